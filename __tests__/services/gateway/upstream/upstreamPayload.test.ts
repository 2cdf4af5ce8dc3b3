import { describe, it, expect } from 'vitest'
import { parseEvents, parseUsers, toId } from '../../../../services/gateway/upstream/upstreamPayload.js'
import { isGatewayError } from '../../../../services/http/errors.js'
import { UpstreamInvalidResponseError } from '../../../../services/gateway/upstream/upstreamErrors.js'

function thrownBy (parse: () => unknown): unknown {
  try {
    parse()
  } catch (error) {
    return error
  }
  return undefined
}

describe('toId', () => {
  it.each([
    ['1', '1'],
    ['01', '01'],
    ['abc-123', 'abc-123'],
    [1, '1'],
    [0, '0'],
    [-3, '-3'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991']
  ])('turns %j into the string id %j', (value, expected) => {
    expect(toId(value)).toBe(expected)
  })

  it.each([
    ['the empty string', ''],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['a boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['an object', { id: 1 }],
    ['an array', ['1']],
    ['a bigint', 1n]
  ])('has no id for %s', (_label, value) => {
    expect(toId(value)).toBeUndefined()
  })
})

describe('parseUsers', () => {
  it('keeps users in order, with numeric ids as strings and only the fields the store knows', () => {
    const parsed = parseUsers([
      { id: 1, userName: 'ada', email: 'ada@example.com' },
      { id: '2', userName: 'grace', email: 'grace@example.com', password: 'hunter2' }
    ])
    expect(parsed).toStrictEqual({
      items: [
        { id: '1', userName: 'ada', email: 'ada@example.com' },
        { id: '2', userName: 'grace', email: 'grace@example.com' }
      ],
      skipped: 0
    })
  })

  it('turns missing or non-text names and emails into empty strings', () => {
    expect(parseUsers([{ id: 3 }, { id: 4, userName: 42, email: null }]).items).toStrictEqual([
      { id: '3', userName: '', email: '' },
      { id: '4', userName: '', email: '' }
    ])
  })

  it('skips and counts entries without a usable id', () => {
    const parsed = parseUsers([
      null, 7, 'user', [], {}, { id: '' }, { id: 1.5 }, { id: null }, { id: true }, { id: { value: 1 } },
      { id: 2 ** 53, userName: 'too big' },
      { id: 5, userName: 'kept' }
    ])
    expect(parsed.items).toStrictEqual([{ id: '5', userName: 'kept', email: '' }])
    expect(parsed.skipped).toBe(11)
  })

  it('accepts an empty list', () => {
    expect(parseUsers([])).toStrictEqual({ items: [], skipped: 0 })
  })
})

describe('parseEvents', () => {
  it('keeps events in order, with numeric ids and user ids as strings', () => {
    const parsed = parseEvents([
      { id: 10, name: 'kickoff', userId: 1, details: 'first' },
      { id: 'e2', name: 'review', userId: '1', extra: 'dropped' }
    ])
    expect(parsed).toStrictEqual({
      items: [
        { id: '10', name: 'kickoff', userId: '1', details: 'first' },
        { id: 'e2', name: 'review', userId: '1' }
      ],
      skipped: 0
    })
  })

  it('keeps details only when they are text, without a details key otherwise', () => {
    const { items } = parseEvents([
      { id: 1, name: 'a', userId: 1, details: '' },
      { id: 2, name: 'b', userId: 1, details: 5 },
      { id: 3, name: 'c', userId: 1, details: null }
    ])
    expect(items[0]).toStrictEqual({ id: '1', name: 'a', userId: '1', details: '' })
    expect(items[1]).toStrictEqual({ id: '2', name: 'b', userId: '1' })
    expect(items[2]).toStrictEqual({ id: '3', name: 'c', userId: '1' })
    expect(Object.keys(items[1]!)).not.toContain('details')
  })

  it('turns a missing or non-text name into an empty string', () => {
    expect(parseEvents([{ id: 1, userId: 2 }, { id: 3, userId: 2, name: ['x'] }]).items).toStrictEqual([
      { id: '1', name: '', userId: '2' },
      { id: '3', name: '', userId: '2' }
    ])
  })

  it('skips and counts events without a usable id or user id', () => {
    const parsed = parseEvents([
      null, 'event', { name: 'no ids' }, { id: 1, name: 'no user' }, { userId: 1, name: 'no id' },
      { id: 2, userId: '' }, { id: '', userId: 2 }, { id: 3, userId: 1.5 }, { id: 4.5, userId: 1 },
      { id: 6, name: 'kept', userId: 1 }
    ])
    expect(parsed.items).toStrictEqual([{ id: '6', name: 'kept', userId: '1' }])
    expect(parsed.skipped).toBe(9)
  })
})

describe('a body that is not a JSON array', () => {
  it.each([
    ['an object', { users: [] }],
    ['null', null],
    ['undefined', undefined],
    ['a string', '[]'],
    ['a number', 42]
  ])('makes both parsers throw GW_ERR_UPSTREAM_INVALID_RESPONSE for %s', (_label, body) => {
    for (const parse of [parseUsers, parseEvents]) {
      const error = thrownBy(() => parse(body))
      expect(error).toBeInstanceOf(UpstreamInvalidResponseError)
      expect(isGatewayError(error, 'GW_ERR_UPSTREAM_INVALID_RESPONSE')).toBe(true)
    }
  })
})
