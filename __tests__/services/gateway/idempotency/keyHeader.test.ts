import { describe, expect, it } from 'vitest'
import { IdempotencyKeyInvalidError, fingerprint, idempotencyKeyField, parseKey } from '../../../../services/gateway/idempotency/keyHeader.js'
import { isGatewayError } from '../../../../services/http/errors.js'

const bodyA = { name: 'a', userId: '1' }
const printA = fingerprint('POST', '/addEvent', bodyA)

/** Runs `act`, expecting it to throw an IdempotencyKeyInvalidError (GW_ERR_REQUEST_INVALID), and returns it. */
function thrown (act: () => unknown): IdempotencyKeyInvalidError {
  try {
    act()
  } catch (error) {
    expect(isGatewayError(error, 'GW_ERR_REQUEST_INVALID')).toBe(true)
    if (error instanceof IdempotencyKeyInvalidError) return error
    throw new Error(`expected an IdempotencyKeyInvalidError, got ${String(error)}`)
  }
  throw new Error('expected GW_ERR_REQUEST_INVALID, nothing was thrown')
}

describe('parseKey', () => {
  it.each([
    ['"abc"', 'abc'],
    ['abc', 'abc'],
    ['123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
    ['"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"with space, and comma"', 'with space, and comma'],
    ['"escaped \\" quote and \\\\ backslash"', 'escaped " quote and \\ backslash'],
    ['a:b/c.d_e~f', 'a:b/c.d_e~f'],
    ['  "padded"\t', 'padded'],
    ['x'.repeat(255), 'x'.repeat(255)],
    [`"${'y'.repeat(255)}"`, 'y'.repeat(255)],
    [['"single"'], 'single']
  ])('accepts %j as %j', (header, key) => {
    expect(parseKey(header)).toBe(key)
  })

  it.each([undefined, []])('reads %j as no key', (header) => {
    expect(parseKey(header)).toBeUndefined()
  })

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['an empty quoted string', '""'],
    ['256 characters bare', 'x'.repeat(256)],
    ['256 characters quoted', `"${'x'.repeat(256)}"`],
    ['non-ASCII bare', 'clé'],
    ['non-ASCII quoted', '"clé"'],
    ['a control character', 'a\x01b'],
    ['a tab inside quotes', '"a\tb"'],
    ['DEL', 'a\x7Fb'],
    ['an unterminated quote', '"abc'],
    ['an unescaped quote inside', '"a"b"'],
    ['an unknown escape', '"a\\nb"'],
    ['a bare space', 'a b'],
    ['two values joined by Node', '"a", "b"'],
    ['two bare values joined by Node', 'a, b'],
    ['parameters', '"a";p=1'],
    ['two header lines', ['"a"', '"b"']]
  ])('rejects %s with a 400 naming the header', (_name, header) => {
    const error = thrown(() => parseKey(header))
    expect(error.field).toBe('headers/idempotency-key')
    expect(error.statusCode).toBe(400)
    expect(error.message.startsWith(idempotencyKeyField)).toBe(true)
  })
})

describe('fingerprint', () => {
  it('is a sha256 in hex', () => {
    expect(printA).toMatch(/^[0-9a-f]{64}$/)
  })

  it('does not depend on the order of object keys, at any depth', () => {
    const one = { name: 'a', userId: '1', details: 'd', nested: { x: 1, y: [1, { p: true, q: null }] } }
    const other = { nested: { y: [1, { q: null, p: true }], x: 1 }, details: 'd', userId: '1', name: 'a' }
    expect(fingerprint('POST', '/addEvent', other)).toBe(fingerprint('POST', '/addEvent', one))
  })

  it('ignores undefined properties, as JSON does', () => {
    expect(fingerprint('POST', '/addEvent', { ...bodyA, details: undefined })).toBe(printA)
  })

  it('treats the method case-insensitively', () => {
    expect(fingerprint('post', '/addEvent', bodyA)).toBe(printA)
  })

  it.each([
    ['another value', { name: 'a', userId: '2' }],
    ['a number for a string', { name: 'a', userId: 1 }],
    ['an extra property', { ...bodyA, details: 'd' }],
    ['a missing property', { name: 'a' }],
    ['an empty body', {}],
    ['no body', undefined],
    ['a value moved to another key', { name: '1', userId: 'a' }],
    ['a key whose text looks like a separator', { 'name":"a","userId': '1' }]
  ])('differs for %s', (_name, body) => {
    expect(fingerprint('POST', '/addEvent', body)).not.toBe(printA)
  })

  it('differs for another array order, another method and another path', () => {
    expect(fingerprint('POST', '/addEvent', [1, 2])).not.toBe(fingerprint('POST', '/addEvent', [2, 1]))
    expect(fingerprint('PUT', '/addEvent', bodyA)).not.toBe(printA)
    expect(fingerprint('POST', '/addEvents', bodyA)).not.toBe(printA)
  })
})

