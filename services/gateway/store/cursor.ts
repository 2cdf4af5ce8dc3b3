import { InvalidFieldError } from '../../http/errors.js'

/**
 * Cursors for append-only lists: the offset of the next item, base64url-encoded so clients
 * treat it as opaque and stores may change the encoding later.
 */
export function encodeOffsetCursor (offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url')
}

/** The offset a cursor points at; throws GW_ERR_REQUEST_INVALID for anything not made by encodeOffsetCursor. */
export function decodeOffsetCursor (cursor: string | undefined): number {
  if (cursor === undefined) return 0
  const match = /^o(0|[1-9]\d{0,14})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
  if (match?.[1] === undefined || encodeOffsetCursor(Number(match[1])) !== cursor) {
    throw new InvalidFieldError('querystring/cursor', 'is not a cursor this gateway issued')
  }
  return Number(match[1])
}
