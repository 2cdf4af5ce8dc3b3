import { describe, expect, it } from 'vitest'
import { asError } from '../../utils/asError.js'

describe('asError', () => {
  it('passes an Error through as it is, subclass and all', () => {
    const error = new RangeError('out of range')
    expect(asError(error)).toBe(error)
  })

  it('wraps anything else in an Error whose message is its text', () => {
    expect(asError('plain text')).toEqual(new Error('plain text'))
    expect(asError(42).message).toBe('42')
    expect(asError(undefined).message).toBe('undefined')
    expect(asError({ toString: () => 'custom' }).message).toBe('custom')
  })
})
