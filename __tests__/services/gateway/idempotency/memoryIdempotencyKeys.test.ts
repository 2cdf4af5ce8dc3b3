import { describe, expect, it } from 'vitest'
import {
  IdempotencyKeyInvalidError,
  IdempotencyKeys,
  defaultIdempotencyTtlMs,
  fingerprint,
  idempotencyKeyField,
  parseKey
} from '../../../../services/gateway/idempotency/memoryIdempotencyKeys.js'
import { createManualClock } from '../../../../utils/clock.js'
import { GatewayError, RetryableError, isGatewayError } from '../../../../services/http/errors.js'
import type { ErrorCode } from '../../../../services/http/errors.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')

interface Event { id: string, name: string, userId: string }

/** Idempotency keys on a manual clock, with event ids id-1, id-2, … counted as they are drawn. */
function harness (options: { ttlMs?: number, maxKeys?: number, settleMs?: number } = {}) {
  const clock = createManualClock(START)
  const keys = new IdempotencyKeys<Event>({ ttlMs: options.ttlMs ?? 1000, maxKeys: options.maxKeys ?? 100, clock: clock.now, settleMs: options.settleMs ?? 0 })
  let drawn = 0
  const newEventId = (): string => `id-${++drawn}`
  return { clock, keys, newEventId, get drawn () { return drawn } }
}

const bodyA = { name: 'a', userId: '1' }
const bodyB = { name: 'b', userId: '1' }
const printA = fingerprint('POST', '/addEvent', bodyA)
const printB = fingerprint('POST', '/addEvent', bodyB)

/** Runs `act`, expecting it to throw a `type` with gateway error `code`, and returns that error. */
function thrown<E extends GatewayError> (type: abstract new (...args: never[]) => E, code: ErrorCode, act: () => unknown): E {
  try {
    act()
  } catch (error) {
    expect(isGatewayError(error, code)).toBe(true)
    if (error instanceof type) return error
    throw new Error(`expected a ${type.name}, got ${String(error)}`)
  }
  throw new Error(`expected ${code}, nothing was thrown`)
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
    const error = thrown(IdempotencyKeyInvalidError, 'GW_ERR_REQUEST_INVALID', () => parseKey(header))
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

describe('IdempotencyKeys: one key through its states', () => {
  it('proceeds with a new event id for a new key, then replays the stored response without a new id', () => {
    const h = harness()
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })

    for (let i = 0; i < 3; i++) {
      expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
    }
    expect(h.drawn).toBe(1)
  })

  it('replays a copy: changing the object it was given does not change the replay', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    const sent = { id: 'id-1', ...bodyA }
    h.keys.succeed('k', 201, sent)
    sent.name = 'changed'
    const replay = h.keys.begin('k', printA, h.newEventId)
    expect(replay.kind === 'replay' && replay.body.name).toBe('a')
  })

  it('answers 409, retryable after 1 s, while the first attempt is in flight', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    const error = thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
    expect(error.retryAfterMs).toBe(1000)
    expect(error.statusCode).toBe(409)
    expect(h.drawn).toBe(1)
  })

  it('answers 422 for the same key with another body: in flight, after a failure and once completed', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    const error = thrown(GatewayError, 'GW_ERR_IDEMPOTENCY_MISMATCH', () => h.keys.begin('k', printB, h.newEventId))
    expect(error.statusCode).toBe(422)
    expect(error).not.toBeInstanceOf(RetryableError)
    h.keys.fail('k')
    thrown(GatewayError, 'GW_ERR_IDEMPOTENCY_MISMATCH', () => h.keys.begin('k', printB, h.newEventId))
    h.keys.begin('k', printA, h.newEventId)
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    thrown(GatewayError, 'GW_ERR_IDEMPOTENCY_MISMATCH', () => h.keys.begin('k', printB, h.newEventId))
    expect(h.keys.begin('k', printA, h.newEventId).kind).toBe('replay')
  })

  it('retries with the same event id after each failure, then replays once one succeeds', () => {
    const h = harness()
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    h.keys.fail('k')
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    h.keys.fail('k')
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
    expect(h.drawn).toBe(1)
  })

  it('marks a retry uncertain after an outcome-unknown failure, and keeps the mark through later failures', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    h.keys.fail('k', true)
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
    // A later failure that certainly did nothing does not make the first attempt's write go away.
    h.keys.fail('k', false)
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
  })

  it('holds off a retry after an unknown outcome for settleMs, with the remaining wait', () => {
    const h = harness({ settleMs: 3000, ttlMs: 60_000 })
    h.keys.begin('k', printA, h.newEventId)
    h.keys.fail('k', true)
    h.clock.advance(1000)
    const error = thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
    expect(error.retryAfterMs).toBe(2000)
    h.clock.advance(2000)
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
  })

  it('does not hold off a retry after a failure that certainly did nothing', () => {
    const h = harness({ settleMs: 3000 })
    h.keys.begin('k', printA, h.newEventId)
    h.keys.fail('k', false)
    expect(h.keys.begin('k', printA, h.newEventId).kind).toBe('proceed')
  })

  it('never evicts an uncertain key to make room: new keys are refused instead', () => {
    const h = harness({ maxKeys: 1 })
    h.keys.begin('uncertain', printA, h.newEventId)
    h.keys.fail('uncertain', true)
    thrown(RetryableError, 'GW_ERR_BULKHEAD_FULL', () => h.keys.begin('other', printB, h.newEventId))
    expect(h.keys.begin('uncertain', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
  })

  it('lets only one retry through after a failure; the others get 409', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    h.keys.fail('k')
    expect(h.keys.begin('k', printA, h.newEventId).kind).toBe('proceed')
    thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
  })

  it('keeps different keys apart, each with its own event id', () => {
    const h = harness()
    expect(h.keys.begin('k1', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    expect(h.keys.begin('k2', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
    h.keys.succeed('k2', 201, { id: 'id-2', ...bodyA })
    thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k1', printA, h.newEventId))
    expect(h.keys.size).toBe(2)
    expect(h.keys.inFlight).toBe(1)
  })

  it('ignores succeed and fail for a key that is not in flight', () => {
    const h = harness()
    h.keys.succeed('unknown', 201, { id: 'x', ...bodyA })
    h.keys.fail('unknown')
    expect(h.keys.size).toBe(0)

    h.keys.begin('k', printA, h.newEventId)
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    h.keys.fail('k')
    h.keys.succeed('k', 201, { id: 'other', ...bodyA })
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
  })

  it.each([404, 500, 199, 300, 201.5])('refuses to store status %s as a success', (status) => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    expect(() => { h.keys.succeed('k', status, { id: 'id-1', ...bodyA }) }).toThrow(RangeError)
    thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
  })
})

describe('IdempotencyKeys: abandon', () => {
  it('forgets a first attempt, so the key can be used again with another body and a new id', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    h.keys.abandon('k')
    expect(h.keys.size).toBe(0)
    expect(h.keys.begin('k', printB, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })

  it('keeps the event id of an earlier failed attempt, which event.com may hold', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    h.keys.fail('k')
    h.keys.begin('k', printA, h.newEventId)
    h.keys.abandon('k')
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
  })

  it('does not forget a completed key', () => {
    const h = harness()
    h.keys.begin('k', printA, h.newEventId)
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    h.keys.abandon('k')
    expect(h.keys.begin('k', printA, h.newEventId).kind).toBe('replay')
  })
})

describe('IdempotencyKeys: expiry and bounds', () => {
  it('forgets a completed key exactly ttlMs after it completed: the same request is then new', () => {
    const h = harness({ ttlMs: 1000 })
    h.keys.begin('k', printA, h.newEventId)
    h.clock.advance(300)
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    h.clock.advance(999)
    expect(h.keys.begin('k', printA, h.newEventId).kind).toBe('replay')
    h.clock.advance(1)
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })

  it('lets a key be reused with another body once it expired', () => {
    const h = harness({ ttlMs: 1000 })
    h.keys.begin('k', printA, h.newEventId)
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    h.clock.advance(1000)
    expect(h.keys.begin('k', printB, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })

  it('forgets the reserved event id of a failed key once it expired', () => {
    const h = harness({ ttlMs: 1000 })
    h.keys.begin('k', printA, h.newEventId)
    h.keys.fail('k')
    h.clock.advance(1000)
    expect(h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })

  it('never expires a key while it is in flight', () => {
    const h = harness({ ttlMs: 1000 })
    h.keys.begin('k', printA, h.newEventId)
    h.clock.advance(10_000)
    thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
    h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    expect(h.keys.begin('k', printA, h.newEventId).kind).toBe('replay')
  })

  it('defaults to a TTL of 24 h', () => {
    const clock = createManualClock(START)
    const keys = new IdempotencyKeys({ clock: clock.now })
    keys.begin('k', printA, () => 'id-1')
    keys.succeed('k', 201, { id: 'id-1' })
    clock.advance(defaultIdempotencyTtlMs - 1)
    expect(keys.begin('k', printA, () => 'id-2').kind).toBe('replay')
    clock.advance(1)
    expect(keys.begin('k', printA, () => 'id-2')).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })

  it('evicts the least recently used completed key when full, never one in flight', () => {
    const h = harness({ maxKeys: 3 })
    h.keys.begin('flying', printA, h.newEventId)
    h.keys.begin('done-1', printA, h.newEventId)
    h.keys.succeed('done-1', 201, { id: 'id-2', ...bodyA })
    h.keys.begin('done-2', printA, h.newEventId)
    h.keys.succeed('done-2', 201, { id: 'id-3', ...bodyA })
    h.keys.begin('done-1', printA, h.newEventId) // a replay counts as a use

    h.keys.begin('new', printA, h.newEventId)
    expect(h.keys.size).toBe(3)
    thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('flying', printA, h.newEventId))
    expect(h.keys.begin('done-1', printA, h.newEventId).kind).toBe('replay')
    expect(h.keys.begin('done-2', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-5', uncertain: false })
  })

  it('answers 503, retryable after 1 s, when every remembered key is in flight, and recovers once one ends', () => {
    const h = harness({ maxKeys: 2 })
    h.keys.begin('a', printA, h.newEventId)
    h.keys.begin('b', printA, h.newEventId)
    const error = thrown(RetryableError, 'GW_ERR_BULKHEAD_FULL', () => h.keys.begin('c', printA, h.newEventId))
    expect(error.retryAfterMs).toBe(1000)
    expect(error.statusCode).toBe(503)
    expect(h.keys.size).toBe(2)

    h.keys.fail('a')
    expect(h.keys.begin('c', printA, h.newEventId).kind).toBe('proceed')
    thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('b', printA, h.newEventId))
  })

  it('holds at most maxKeys under 10k distinct keys', () => {
    const h = harness({ maxKeys: 500 })
    for (let i = 0; i < 10_000; i++) {
      h.keys.begin(`k${i}`, printA, h.newEventId)
      h.keys.succeed(`k${i}`, 201, { id: `id-${i + 1}`, ...bodyA })
    }
    expect(h.keys.size).toBe(500)
    expect(h.keys.inFlight).toBe(0)
    expect(h.keys.begin('k9999', printA, h.newEventId).kind).toBe('replay')
    expect(h.keys.begin('k0', printA, h.newEventId).kind).toBe('proceed')
  })
})
