import { describe, it, expect } from 'vitest'
import { EventOutbox } from '../../../../services/gateway/store/eventOutbox.js'

const event = (id: string): { id: string, name: string, userId: string } => ({ id, name: 'n', userId: '1' })

describe('EventOutbox', () => {
  it('keeps events oldest first until they are published', () => {
    const outbox = new EventOutbox(10)
    outbox.push(event('a'))
    outbox.push(event('b'))
    expect(outbox.size).toBe(2)
    expect(outbox.peek()?.id).toBe('a')
    outbox.shift()
    expect(outbox.list().map((item) => item.id)).toEqual(['b'])
  })

  it('drops the oldest event past its cap, and counts it', () => {
    const outbox = new EventOutbox(2)
    expect(outbox.push(event('a'))).toBe(false)
    expect(outbox.push(event('b'))).toBe(false)
    expect(outbox.push(event('c'))).toBe(true)
    expect(outbox.list().map((item) => item.id)).toEqual(['b', 'c'])
    expect(outbox.size).toBe(2)
    expect(outbox.dropped).toBe(1)
  })

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new EventOutbox(0)).toThrow(RangeError)
    expect(() => new EventOutbox(1.5)).toThrow(RangeError)
  })
})
