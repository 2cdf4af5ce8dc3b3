import type { EventServiceClient } from '../../services/gateway/upstream/eventServiceClient.js'
import type { Event, User } from '../../services/gateway/store/eventStore.js'

export const seedUsers: User[] = [
  { id: '1', userName: 'ada', email: 'ada@example.com' },
  { id: '2', userName: 'grace', email: 'grace@example.com' },
  { id: '3', userName: 'linus', email: 'linus@example.com' }
]

export const seedEvents: Event[] = [
  { id: 'e1', name: 'kickoff', userId: '1', details: 'first' },
  { id: 'e2', name: 'review', userId: '1' },
  { id: 'e3', name: 'launch', userId: '2', details: 'third' }
]

/** A promise that never settles: a call event.com never answers. */
export function never<T> (): Promise<T> {
  return new Promise<T>(() => { /* never settles */ })
}

/** What the fake answers to one addEvent: resolve, or reject with the given error. */
export type Outcome = 'ok' | Error | (() => Promise<void>)

/**
 * An in-process event.com for route tests: records every addEvent it receives and answers
 * from a queue of outcomes (default: accept).
 */
export class FakeEventService implements EventServiceClient {
  readonly received: Event[] = []
  readonly accepted: Event[] = []
  readonly outcomes: Outcome[] = []
  closed = false
  /** While set, getUsers and getEvents never answer, as when event.com hangs at start. */
  readsHang = false

  getUsers (): Promise<{ items: User[], skipped: number }> {
    if (this.readsHang) return never()
    return Promise.resolve({ items: [...seedUsers], skipped: 0 })
  }

  async getEvents<T> (consume: (events: AsyncIterable<Event>) => Promise<T>): Promise<{ result: T, skipped: number }> {
    if (this.readsHang) return never()
    const events = [...seedEvents, ...this.accepted]
    async function * stream (): AsyncGenerator<Event> {
      // One tick per event, as when they arrive from a socket.
      for (const event of events) yield await Promise.resolve(event)
    }
    return { result: await consume(stream()), skipped: 0 }
  }

  async addEvent (event: Event): Promise<void> {
    this.received.push(event)
    const outcome = this.outcomes.shift() ?? 'ok'
    if (outcome instanceof Error) throw outcome
    if (typeof outcome === 'function') await outcome()
    this.accepted.push(event)
  }

  /** Ids looked up with hasEvent, in order. */
  readonly lookups: string[] = []

  hasEvent (eventId: string): Promise<boolean> {
    this.lookups.push(eventId)
    return Promise.resolve(this.accepted.some((event) => event.id === eventId))
  }

  /** Queues the same outcome n times. */
  next (outcome: Outcome, times = 1): this {
    for (let i = 0; i < times; i++) this.outcomes.push(outcome)
    return this
  }

  close (): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }
}
