import { decodeOffsetCursor, encodeOffsetCursor } from './cursor.js'
import type { Event, EventStore, Page, PageRequest, StoreCounts, User, UserWithEvents } from './eventStore.js'

/**
 * The in-process store: events in insertion order, plus an index by event id and one by user id.
 * Every read is a Map lookup and an array slice, whatever the number of events.
 */
export class MemoryEventStore implements EventStore {
  #users = new Map<string, User>()
  #events: Event[] = []
  #eventIds = new Set<string>()
  #eventsByUser = new Map<string, Event[]>()

  load (snapshot: { readonly users: readonly User[], readonly events: readonly Event[] }): Promise<StoreCounts> {
    this.#users = new Map(snapshot.users.map((user) => [user.id, user]))
    this.#events = []
    this.#eventIds = new Set()
    this.#eventsByUser = new Map()
    for (const event of snapshot.events) this.#append(event)
    return this.counts()
  }

  addEvent (event: Event): Promise<void> {
    this.#append(event)
    return Promise.resolve()
  }

  hasUser (userId: string): Promise<boolean> {
    return Promise.resolve(this.#users.has(userId))
  }

  listUsers (): Promise<readonly UserWithEvents[]> {
    const users: UserWithEvents[] = []
    for (const user of this.#users.values()) {
      users.push({ ...user, events: (this.#eventsByUser.get(user.id) ?? []).map((event) => event.id) })
    }
    return Promise.resolve(users)
  }

  listEvents (page: PageRequest): Promise<Page<Event>> {
    // The executor turns a bad cursor into a rejection rather than a synchronous throw.
    return new Promise((resolve) => { resolve(slice(this.#events, page)) })
  }

  listEventsByUser (userId: string, page: PageRequest): Promise<Page<Event> | undefined> {
    if (!this.#users.has(userId)) return Promise.resolve(undefined)
    return new Promise((resolve) => { resolve(slice(this.#eventsByUser.get(userId) ?? [], page)) })
  }

  counts (): Promise<StoreCounts> {
    return Promise.resolve({ users: this.#users.size, events: this.#events.length })
  }

  #append (event: Event): void {
    if (this.#eventIds.has(event.id)) return
    this.#eventIds.add(event.id)
    this.#events.push(event)
    const list = this.#eventsByUser.get(event.userId)
    if (list === undefined) this.#eventsByUser.set(event.userId, [event])
    else list.push(event)
  }
}

function slice<T> (items: readonly T[], page: PageRequest): Page<T> {
  const start = decodeOffsetCursor(page.cursor)
  const end = start + page.limit
  return end < items.length
    ? { items: items.slice(start, end), next: encodeOffsetCursor(end) }
    : { items: items.slice(start) }
}
