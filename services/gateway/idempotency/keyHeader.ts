import { createHash } from 'node:crypto'
import { InvalidFieldError } from '../../http/errors.js'

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
