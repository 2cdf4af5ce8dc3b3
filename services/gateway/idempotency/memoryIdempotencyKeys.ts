import { createHash } from 'node:crypto'
import { systemClock } from '../../../utils/clock.js'
import type { Clock } from '../../../utils/clock.js'
import { GatewayError, InvalidFieldError, RetryableError } from '../../http/errors.js'
import { ExpiringLru } from '../../../utils/expiringLru.js'

/** How long a key is remembered after its last attempt ended, in milliseconds: 24 h. */
export const defaultIdempotencyTtlMs = 24 * 60 * 60 * 1000

/** Most keys remembered at once, in flight included. */
export const defaultIdempotencyMaxKeys = 10_000

/** How long a client should wait before retrying a key that is still in flight or a full store, in milliseconds. */
export const idempotencyRetryAfterMs = 1000

/** The problem `field` that names the header. */
export const idempotencyKeyField = 'headers/idempotency-key'

/** Longest key accepted, in characters (after unquoting). */
export const maxIdempotencyKeyLength = 255

/** An invalid Idempotency-Key header; `field` names it, like a schema validation error. */
export class IdempotencyKeyInvalidError extends InvalidFieldError {
  constructor (reason: string) {
    super(idempotencyKeyField, reason)
    this.name = 'IdempotencyKeyInvalidError'
  }
}

// A bare value is an sf-token's characters (tchar, ":" and "/"), any of them first so that a UUID fits.
// Commas and spaces are excluded, which is what rejects a repeated header that Node joined with ", ".
const bareKey = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+$/
// An sf-string (RFC 8941 §3.3.3): printable ASCII, with only \" and \\ escaped.
const quotedKey = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/

/**
 * Reads the Idempotency-Key header: undefined when absent; the key when it is a quoted sf-string or a
 * bare token of 1 to 255 printable ASCII characters; otherwise an IdempotencyKeyInvalidError (400).
 */
export function parseKey (header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (Array.isArray(header)) {
    if (header.length > 1) throw new IdempotencyKeyInvalidError('must be sent once')
    const [only] = header
    return only === undefined ? undefined : parseKey(only)
  }
  // Structured-field parsing discards surrounding spaces; HTTP parsers strip them too, inject() may not.
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '')
  let key: string
  const quoted = quotedKey.exec(value)
  if (quoted?.[1] !== undefined) {
    key = quoted[1].replace(/\\(["\\])/g, '$1')
  } else if (bareKey.test(value)) {
    key = value
  } else {
    throw new IdempotencyKeyInvalidError('must be a quoted string or a token of printable ASCII characters')
  }
  if (key.length === 0 || key.length > maxIdempotencyKeyLength) {
    throw new IdempotencyKeyInvalidError(`must be 1 to ${maxIdempotencyKeyLength} characters`)
  }
  return key
}

/**
 * What identifies a request for its key: sha256 (hex) of the method, the path and the body as canonical
 * JSON (object keys sorted), so that the same body sent with its keys in another order matches.
 */
export function fingerprint (method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body)}`).digest('hex')
}

function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined)
    // Code-unit order, not localeCompare: the fingerprint must not depend on the machine's locale.
    entries.sort(([a], [b]) => a < b ? -1 : 1)
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`
  }
  // An absent body, or undefined in an array, has no JSON text of its own: JSON.stringify writes null.
  if (value === undefined) return 'null'
  return JSON.stringify(value)
}

export interface IdempotencyKeysOptions {
  /** How long a key is remembered after its last attempt ended, in milliseconds (default 24 h). */
  readonly ttlMs?: number
  /** Most keys remembered at once, in flight included (default 10 000). */
  readonly maxKeys?: number
  /** Where expiry reads the time (epoch ms). */
  readonly clock?: Clock
  /**
   * After an attempt whose outcome is unknown, how long a retry is held off (409 with Retry-After),
   * in milliseconds: event.com may still be acting on the first attempt, and a look-up made too early
   * would miss it. Default 0.
   */
  readonly settleMs?: number
}

/** What `begin` decided: send the write with this event id, or answer with the stored response. */
export type Begin<B> =
  /** `uncertain`: an earlier attempt may have reached event.com, so it may already hold this event id. */
  | { readonly kind: 'proceed', readonly eventId: string, readonly uncertain: boolean }
  | { readonly kind: 'replay', readonly status: number, readonly body: B }

// One key's state. The event id is reserved on the first attempt and kept until the key completes
// or expires, so that every retry sends event.com the same id. `retry` marks an attempt after a
// failed one, whose id event.com may already hold.
type Entry<B> =
  | { readonly state: 'in-flight', readonly fingerprint: string, readonly eventId: string, readonly retry: boolean, readonly uncertain: boolean }
  | { readonly state: 'failed', readonly fingerprint: string, readonly eventId: string, readonly uncertain: boolean, readonly failedAt: number }
  | { readonly state: 'completed', readonly fingerprint: string, readonly status: number, readonly body: B }

/**
 * The Idempotency-Key state machine for writes: new → in-flight → completed (replayed until it
 * expires) or failed (retried with the same event id). `B` is the response body type.
 */
export class IdempotencyKeys<B = unknown> {
  readonly #entries: ExpiringLru<Entry<B>>
  readonly #clock: Clock
  readonly #settleMs: number

  constructor (options: IdempotencyKeysOptions = {}) {
    this.#clock = options.clock ?? systemClock
    this.#settleMs = options.settleMs ?? 0
    this.#entries = new ExpiringLru({
      maxEntries: options.maxKeys ?? defaultIdempotencyMaxKeys,
      ttlMs: options.ttlMs ?? defaultIdempotencyTtlMs,
      clock: this.#clock
    })
  }

  /** Keys remembered, in flight included. */
  get size (): number {
    return this.#entries.size
  }

  /** Keys whose request is being processed now. */
  get inFlight (): number {
    return this.#entries.pinnedSize
  }

  /**
   * Starts an attempt for `key`. Throws GW_ERR_IDEMPOTENCY_MISMATCH (422) when the key was used with
   * another fingerprint, GW_ERR_IDEMPOTENCY_IN_FLIGHT (409, retryable) while an attempt is running, and
   * GW_ERR_BULKHEAD_FULL (503, retryable) when every remembered key is in flight.
   */
  begin (key: string, requestFingerprint: string, newEventId: () => string): Begin<B> {
    const entry = this.#entries.get(key)
    if (entry !== undefined && entry.fingerprint !== requestFingerprint) {
      throw new GatewayError('GW_ERR_IDEMPOTENCY_MISMATCH', 'This Idempotency-Key was already used with a different request body')
    }
    if (entry?.state === 'in-flight') {
      throw new RetryableError('GW_ERR_IDEMPOTENCY_IN_FLIGHT', 'A request with this Idempotency-Key is still being processed', idempotencyRetryAfterMs)
    }
    if (entry?.state === 'completed') return { kind: 'replay', status: entry.status, body: entry.body }
    if (entry?.state === 'failed' && entry.uncertain) {
      const waitMs = entry.failedAt + this.#settleMs - this.#clock()
      if (waitMs > 0) {
        throw new RetryableError('GW_ERR_IDEMPOTENCY_IN_FLIGHT', 'The event service may still be processing an earlier attempt with this Idempotency-Key', waitMs)
      }
    }

    const eventId = entry?.eventId ?? newEventId()
    const uncertain = entry?.uncertain ?? false
    const next: Entry<B> = { state: 'in-flight', fingerprint: requestFingerprint, eventId, retry: entry !== undefined, uncertain }
    // Pinned: evicting a key in flight would let a concurrent retry send the write a second time.
    if (!this.#entries.set(key, next, { pinned: true })) {
      throw new RetryableError('GW_ERR_BULKHEAD_FULL', 'Too many writes with an Idempotency-Key are in flight', idempotencyRetryAfterMs)
    }
    return { kind: 'proceed', eventId, uncertain }
  }

  /**
   * The attempt succeeded: stores a copy of the 2xx response to replay until the TTL ends. Ignored when
   * `key` is not in flight, so that a wiring slip never turns an accepted write into an error.
   */
  succeed (key: string, status: number, body: B): void {
    if (!Number.isInteger(status) || status < 200 || status > 299) {
      throw new RangeError(`IdempotencyKeys.succeed takes a 2xx status, got ${String(status)}`)
    }
    const entry = this.#entries.get(key)
    if (entry?.state !== 'in-flight') return
    this.#entries.set(key, { state: 'completed', fingerprint: entry.fingerprint, status, body: structuredClone(body) })
  }

  /**
   * The attempt failed (not forwarded, rejected, or outcome unknown): the key is free for a retry with
   * the same body, which gets the same event id. `outcomeUnknown` marks that event.com may have stored
   * it; the mark stays for every later attempt. Ignored when `key` is not in flight.
   */
  fail (key: string, outcomeUnknown = false): void {
    const entry = this.#entries.get(key)
    if (entry?.state !== 'in-flight') return
    const uncertain = entry.uncertain || outcomeUnknown
    // An uncertain key must outlive any pressure on the store: evicting it would send its event again under a new id.
    this.#entries.set(key, { state: 'failed', fingerprint: entry.fingerprint, eventId: entry.eventId, uncertain, failedAt: this.#clock() }, { evictable: !uncertain })
  }

  /**
   * Forgets `key` after an attempt that ended before anything reached event.com because of the
   * request itself (e.g. unknown user), so the client may reuse the key with a corrected body.
   * Ignored when `key` is not in flight; acts as `fail` when an earlier attempt may have reached
   * event.com, whose event id must be kept. Never use it once this attempt may have been sent.
   */
  abandon (key: string): void {
    const entry = this.#entries.get(key)
    if (entry?.state !== 'in-flight') return
    if (entry.retry) this.fail(key, entry.uncertain)
    else this.#entries.delete(key)
  }
}
