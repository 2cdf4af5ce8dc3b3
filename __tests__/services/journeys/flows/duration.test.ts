import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../../../services/journeys/flows/duration.js'
import { flowLimits } from '../../../../services/journeys/flows/flowLimits.js'

const SECOND = 1000
const HOUR = 3_600_000
const DAY = 24 * HOUR

function ms (value: unknown): number | undefined {
  const result = parseDuration(value)
  return result.ok ? result.ms : undefined
}

function reason (value: unknown): string {
  const result = parseDuration(value)
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused, got ${result.ms} ms`)
  return result.reason
}

describe('parseDuration: ISO 8601', () => {
  it.each([
    ['PT2S', 2 * SECOND],
    ['P2D', 2 * DAY],
    ['P1DT2H', DAY + 2 * HOUR],
    ['PT0.5S', 500],
    ['PT0,25S', 250],
    ['PT1.5H', 1.5 * HOUR],
    ['P1W', 7 * DAY],
    ['P1W2D', 9 * DAY],
    ['PT90M', 90 * 60 * SECOND],
    ['PT1H30M15.125S', HOUR + 30 * 60 * SECOND + 15_125],
    ['PT0S', 0],
    ['pt2s', 2 * SECOND],
    ['P365D', 365 * DAY]
  ])('reads %s as %d ms', (text, expected) => {
    expect(ms(text)).toBe(expected)
  })

  it('computes fractions exactly, where floating point would not', () => {
    // 1.005 * 1000 is 1004.9999999999999 in floating point.
    expect(ms('PT1.005S')).toBe(1005)
    expect(ms('PT0.001S')).toBe(1)
  })

  it.each(['P1Y', 'P1M', 'P1Y2M3D', 'P2MT1H'])('refuses %s: years and months have no fixed length', (text) => {
    expect(reason(text)).toMatch(/years or months/)
  })

  it('reads M after the T as minutes, not months', () => {
    expect(ms('PT5M')).toBe(5 * 60 * SECOND)
  })

  it.each([
    ['an empty P', 'P'],
    ['an empty T', 'PT'],
    ['a dangling T', 'P1DT'],
    ['a negative duration', '-P1D'],
    ['units out of order', 'PT1S1M'],
    ['a bare number as text', '5'],
    ['words', 'two days'],
    ['spaces', ' PT1S'],
    ['the empty string', '']
  ])('refuses %s', (_label, text) => {
    expect(reason(text)).toMatch(/not a duration/)
  })

  it('allows a fraction only on the last component', () => {
    expect(reason('PT1.5H30M')).toMatch(/only the last component/)
  })

  it('refuses what is finer than a millisecond', () => {
    expect(reason('PT0.0005S')).toMatch(/finer than a millisecond/)
  })

  it('refuses more than 365 days', () => {
    expect(reason('P366D')).toMatch(/longer than/)
    expect(reason('P53W')).toMatch(/longer than/)
    expect(reason(`PT${'9'.repeat(40)}S`)).toMatch(/longer than|at most/)
  })

  it('refuses text longer than any real duration without looking further', () => {
    expect(reason(`PT${'1'.repeat(80)}S`)).toMatch(/at most 64 characters/)
  })
})

describe('parseDuration: milliseconds', () => {
  it('reads a whole number of milliseconds, 0 up to the bound', () => {
    expect(ms(0)).toBe(0)
    expect(ms(1500)).toBe(1500)
    expect(ms(flowLimits.maxDurationMs)).toBe(flowLimits.maxDurationMs)
  })

  it.each([
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY]
  ])('refuses %s', (_label, value) => {
    expect(reason(value)).toMatch(/whole count of milliseconds/)
  })

  it('refuses one millisecond past the bound', () => {
    expect(reason(flowLimits.maxDurationMs + 1)).toMatch(/longer than/)
  })

  it.each([null, true, {}, [], undefined])('refuses %j, which is neither text nor a number', (value) => {
    expect(reason(value)).toMatch(/ISO 8601 duration/)
  })
})
