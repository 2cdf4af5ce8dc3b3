import { describe, expect, it } from 'vitest'
import { randomUuid } from '../../utils/randomUuid.js'

const version4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('randomUuid', () => {
  it('makes version 4 UUIDs, all different, across many refills of its batch', () => {
    const made = Array.from({ length: 10_000 }, () => randomUuid())
    for (const uuid of made) expect(uuid).toMatch(version4)
    expect(new Set(made).size).toBe(made.length)
  })

  it('uses every hex digit in the random positions, each about as often', () => {
    const counts = new Map<string, number>()
    const uuids = 4096
    for (let index = 0; index < uuids; index++) {
      // The 30 hex digits that are neither the version nor the variant's first digit.
      const digits = randomUuid().replaceAll('-', '')
      for (let position = 0; position < digits.length; position++) {
        if (position !== 12 && position !== 16) counts.set(digits.charAt(position), (counts.get(digits.charAt(position)) ?? 0) + 1)
      }
    }
    expect([...counts.keys()].sort().join('')).toBe('0123456789abcdef')
    const expected = (uuids * 30) / 16
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.1)
  })
})
