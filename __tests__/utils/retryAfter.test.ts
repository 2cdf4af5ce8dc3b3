import { describe, it, expect } from 'vitest'
import { parseRetryAfter, retryAfterSeconds } from '../../utils/retryAfter.js'

const DATE = 'Sun, 06 Nov 1994 08:49:37 GMT'
const DATE_MS = Date.UTC(1994, 10, 6, 8, 49, 37)

describe('parseRetryAfter', () => {
  const now = DATE_MS - 30_000

  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter(' 5 ', now)).toBe(5000)
  })

  it('reads an IMF-fixdate in the future as the milliseconds until it', () => {
    expect(parseRetryAfter(DATE, now)).toBe(30_000)
    expect(parseRetryAfter(DATE, DATE_MS - 1)).toBe(1)
  })

  it('ignores dates now or in the past', () => {
    expect(parseRetryAfter(DATE, DATE_MS)).toBeUndefined()
    expect(parseRetryAfter(DATE, DATE_MS + 1000)).toBeUndefined()
  })

  it('ignores values that are neither delta-seconds nor an IMF-fixdate', () => {
    const garbage = [
      'soon', '-1', '1.5', '', '   ', '1e3', '0x10', '+5', '5 s',
      '1994-11-06T08:49:37Z',
      'Sunday, 06-Nov-94 08:49:37 GMT',
      'Sun, 06 Nov 1994 08:49:37 UTC',
      // A five-digit year: Date.parse and toUTCString agree on it, but HTTP-date allows four.
      'Sat, 01 Jan 10000 00:00:00 GMT',
      // Impossible dates and a wrong weekday, which Date.parse alone would accept.
      'Mon, 31 Feb 2025 00:00:00 GMT',
      'Sun, 06 Nov 1994 25:00:00 GMT',
      'Mon, 06 Nov 1994 08:49:37 GMT'
    ]
    for (const value of garbage) {
      expect(parseRetryAfter(value, 0), value).toBeUndefined()
    }
  })

  it('ignores an absent header', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter([], now)).toBeUndefined()
  })

  it('takes the first value of a repeated header', () => {
    expect(parseRetryAfter(['7', '100'], now)).toBe(7000)
    expect(parseRetryAfter([DATE, '1'], now)).toBe(30_000)
    expect(parseRetryAfter(['soon', '1'], now)).toBeUndefined()
  })
})

describe('retryAfterSeconds', () => {
  it('rounds up to whole seconds, never below 1', () => {
    expect(retryAfterSeconds(1)).toBe(1)
    expect(retryAfterSeconds(1000)).toBe(1)
    expect(retryAfterSeconds(1001)).toBe(2)
    expect(retryAfterSeconds(0)).toBe(1)
    expect(retryAfterSeconds(29_999)).toBe(30)
  })

  it('round-trips through parseRetryAfter without shortening the wait', () => {
    const ms = 2500
    expect(parseRetryAfter(String(retryAfterSeconds(ms)), 0)).toBeGreaterThanOrEqual(ms)
  })
})
