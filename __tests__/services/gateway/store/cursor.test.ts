import { describe, it, expect } from 'vitest'
import { decodeOffsetCursor, encodeOffsetCursor } from '../../../../services/gateway/store/cursor.js'
import { GatewayError, isGatewayError } from '../../../../services/http/errors.js'

function decodeError (cursor: string): unknown {
  try {
    decodeOffsetCursor(cursor)
  } catch (error) {
    return error
  }
  return undefined
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url')

describe('encodeOffsetCursor / decodeOffsetCursor', () => {
  it('round-trips offsets from 0 to the largest it supports', () => {
    for (const offset of [0, 1, 9, 10, 42, 1000, 123_456_789, 999_999_999_999_999]) {
      expect(decodeOffsetCursor(encodeOffsetCursor(offset))).toBe(offset)
    }
  })

  it('reads an absent cursor as offset 0', () => {
    expect(decodeOffsetCursor(undefined)).toBe(0)
  })

  it('makes opaque, URL-safe cursors that differ per offset', () => {
    const cursors = [0, 1, 2, 10, 100, 999_999_999_999_999].map(encodeOffsetCursor)
    for (const cursor of cursors) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(new Set(cursors).size).toBe(cursors.length)
    expect(encodeOffsetCursor(5)).not.toBe('5')
  })

  it.each([
    ['garbage', 'garbage'],
    ['the empty string', ''],
    ['a space', ' '],
    ['padding only', '='],
    ['a plain number', '5'],
    ['the unencoded form', 'o5'],
    ['standard base64 with padding', Buffer.from('o5').toString('base64')],
    ['a cursor with padding added', `${encodeOffsetCursor(5)}=`],
    ['a cursor with whitespace around it', ` ${encodeOffsetCursor(5)} `],
    ['a non-canonical encoding of the same bytes', 'bzF'],
    ['a leading zero', base64url('o05')],
    ['a negative offset', base64url('o-1')],
    ['a fractional offset', base64url('o1.5')],
    ['an exponent', base64url('o1e3')],
    ['a 16-digit offset', base64url('o1000000000000000')],
    ['another prefix', base64url('O5')],
    ['a trailing newline', base64url('o5\n')],
    ['trailing bytes', base64url('o5x')],
    ['JSON', base64url('{"offset":5}')]
  ])('rejects %s with GW_ERR_REQUEST_INVALID', (_label, cursor) => {
    const error = decodeError(cursor)
    expect(error).toBeInstanceOf(GatewayError)
    expect(isGatewayError(error, 'GW_ERR_REQUEST_INVALID')).toBe(true)
    expect((error as GatewayError).statusCode).toBe(400)
  })

  it('accepts the canonical encoding whose non-canonical twin it rejects', () => {
    // 'bzE' and 'bzF' decode to the same bytes ('o1'); only the one encodeOffsetCursor makes is valid.
    expect(encodeOffsetCursor(1)).toBe('bzE')
    expect(decodeOffsetCursor('bzE')).toBe(1)
  })
})
