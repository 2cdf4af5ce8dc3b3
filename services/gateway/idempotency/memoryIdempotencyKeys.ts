import type { Clock } from '../../../utils/clock.js'
import { ExpiringLru } from '../../../utils/expiringLru.js'
import { GatewayError, RetryableError } from '../../http/errors.js'
import { idempotencyRetryAfterMs } from './idempotencyKeys.js'
import type { Begin, IdempotencyKeys } from './idempotencyKeys.js'
import { asError } from '../../../utils/asError.js'

export interface IdempotencyKeysOptions {
  /** How long a key is remembered after its last attempt ended, in milliseconds. */
  readonly ttlMs: number
  /** Most keys remembered at once, in flight included. */
  readonly maxKeys: number
  /** Where expiry reads the time (epoch ms). */
  readonly clock: Clock
  /**
   * After an attempt whose outcome is unknown, how long a retry is held off (409 with Retry-After),
   * in milliseconds: event.com may still be acting on the first attempt, and a look-up made too early
   * would miss it. Default 0.
   */
  readonly settleMs?: number
}

// One key's state. The event id is reserved on the first attempt and kept until the key completes
// or expires, so that every retry sends event.com the same id. `retry` marks an attempt after a
// failed one, whose id event.com may already hold.
type Entry<B> =
  | { readonly state: 'in-flight', readonly fingerprint: string, readonly eventId: string, readonly retry: boolean, readonly uncertain: boolean }
  | { readonly state: 'failed', readonly fingerprint: string, readonly eventId: string, readonly uncertain: boolean, readonly failedAt: number }
  | { readonly state: 'completed', readonly fingerprint: string, readonly status: number, readonly body: B }

/**
 * Idempotency-Keys held in this process: a bounded LRU whose expiry is computed on read. Every
 * method acts synchronously before it returns, so two requests racing on one key never both proceed.
 */
export class MemoryIdempotencyKeys<B = unknown> implements IdempotencyKeys<B> {
  readonly #entries: ExpiringLru<Entry<B>>
  readonly #clock: Clock
  readonly #settleMs: number

  constructor (options: IdempotencyKeysOptions) {
    this.#clock = options.clock
    this.#settleMs = options.settleMs ?? 0
    this.#entries = new ExpiringLru({ maxEntries: options.maxKeys, ttlMs: options.ttlMs, clock: this.#clock })
  }

  /** Keys remembered, in flight included. */
  get size (): number {
    return this.#entries.size
  }

  count (): Promise<number> {
    return Promise.resolve(this.#entries.size)
  }

  completed (key: string): Promise<boolean> {
    return Promise.resolve(this.#entries.get(key)?.state === 'completed')
  }

  /** Keys whose request is being processed now. */
  get inFlight (): number {
    return this.#entries.pinnedSize
  }

  begin (key: string, requestFingerprint: string, newEventId: () => string): Promise<Begin<B>> {
    return settled(() => this.#begin(key, requestFingerprint, newEventId))
  }

  succeed (key: string, status: number, body: B): Promise<void> {
    return settled(() => { this.#succeed(key, status, body) })
  }

  fail (key: string, outcomeUnknown = false): Promise<void> {
    return settled(() => { this.#fail(key, outcomeUnknown) })
  }

  abandon (key: string): Promise<void> {
    return settled(() => {
      const entry = this.#entries.get(key)
      if (entry?.state !== 'in-flight') return
      if (entry.retry) this.#fail(key, entry.uncertain)
      else this.#entries.delete(key)
    })
  }

  #begin (key: string, requestFingerprint: string, newEventId: () => string): Begin<B> {
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

  #succeed (key: string, status: number, body: B): void {
    if (!Number.isInteger(status) || status < 200 || status > 299) {
      throw new RangeError(`IdempotencyKeys.succeed takes a 2xx status, got ${String(status)}`)
    }
    const entry = this.#entries.get(key)
    if (entry?.state !== 'in-flight') return
    this.#entries.set(key, { state: 'completed', fingerprint: entry.fingerprint, status, body: structuredClone(body) })
  }

  #fail (key: string, outcomeUnknown: boolean): void {
    const entry = this.#entries.get(key)
    if (entry?.state !== 'in-flight') return
    const uncertain = entry.uncertain || outcomeUnknown
    // An uncertain key must outlive any pressure on the store: evicting it would send its event again under a new id.
    this.#entries.set(key, { state: 'failed', fingerprint: entry.fingerprint, eventId: entry.eventId, uncertain, failedAt: this.#clock() }, { evictable: !uncertain })
  }
}

/** The result of a synchronous step as a promise, its throw as a rejection. */
function settled<T> (run: () => T): Promise<T> {
  try {
    return Promise.resolve(run())
  } catch (error) {
    return Promise.reject(asError(error))
  }
}
