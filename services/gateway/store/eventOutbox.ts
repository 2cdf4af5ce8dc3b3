import type { Event } from './eventStore.js'

/**
 * Events event.com accepted that could not be published to the shared stream yet (Redis away, or
 * its shared state being rebuilt), oldest first, at most `cap` of them. Past the cap the oldest is
 * dropped: event.com holds it all the same, and the next rehydration brings it back.
 */
export class EventOutbox {
  readonly cap: number
  #events: Event[] = []
  #dropped = 0

  constructor (cap: number) {
    if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`the outbox cap must be a positive integer, got ${String(cap)}`)
    this.cap = cap
  }

  get size (): number {
    return this.#events.length
  }

  /** Events dropped so far because the outbox was full. */
  get dropped (): number {
    return this.#dropped
  }

  /** Keeps `event`; answers true when an older event had to be dropped to make room. */
  push (event: Event): boolean {
    this.#events.push(event)
    if (this.#events.length <= this.cap) return false
    this.#events.shift()
    this.#dropped++
    return true
  }

  /** The oldest event, still kept. */
  peek (): Event | undefined {
    return this.#events[0]
  }

  /** Forgets the oldest event, once it is published. */
  shift (): void {
    this.#events.shift()
  }

  /** Every event kept, oldest first (a copy). */
  list (): readonly Event[] {
    return [...this.#events]
  }
}
