import { describe, expect, it } from 'vitest'
import { parseTimestamp } from '../../../../services/journeys/flows/timestamp.js'

function ms (text: string): number | undefined {
  const result = parseTimestamp(text)
  return result.ok ? result.ms : undefined
}

describe('parseTimestamp', () => {
  it('reads RFC 3339 timestamps with a zone as epoch milliseconds', () => {
    expect(ms('2030-01-31T09:00:00Z')).toBe(Date.UTC(2030, 0, 31, 9))
    expect(ms('2030-01-31T10:00:00+01:00')).toBe(Date.UTC(2030, 0, 31, 9))
    expect(ms('2030-01-31T04:30:00-04:30')).toBe(Date.UTC(2030, 0, 31, 9))
    expect(ms('2030-01-31t09:00:00.5z')).toBe(Date.UTC(2030, 0, 31, 9, 0, 0, 500))
    expect(ms('2030-01-31T09:00:00.123456789Z')).toBe(Date.UTC(2030, 0, 31, 9, 0, 0, 123))
  })

  it('accepts 29 February in a leap year only', () => {
    expect(ms('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29))
    expect(ms('2027-02-29T00:00:00Z')).toBeUndefined()
  })

  it.each([
    ['no zone', '2030-01-31T09:00:00'],
    ['a date only', '2030-01-31'],
    ['no seconds', '2030-01-31T09:00Z'],
    ['a space for the T', '2030-01-31 09:00:00Z'],
    ['31 February, which Date.parse rolls over to March', '2030-02-31T00:00:00Z'],
    ['month 13', '2030-13-01T00:00:00Z'],
    ['hour 24', '2030-01-01T24:00:00Z'],
    ['second 60', '2030-01-01T23:59:60Z'],
    ['an offset of 24 hours', '2030-01-01T00:00:00+24:00'],
    ['an offset minute of 60', '2030-01-01T00:00:00+01:60'],
    ['a year before 1970', '1969-12-31T23:59:59Z'],
    ['an epoch number', '1893456000000']
  ])('refuses %s', (_label, text) => {
    expect(parseTimestamp(text).ok).toBe(false)
  })
})
