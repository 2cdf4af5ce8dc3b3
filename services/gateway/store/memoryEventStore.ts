import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { decodeOffsetCursor, encodeOffsetCursor } from './cursor.js'
import type { Event, EventStore, JsonPage, Page, PageRequest, StoreCounts, User, UserWithEvents } from './eventStore.js'
import { PageCache } from '../../../utils/pageCache.js'

export interface MemoryEventStoreOptions {
  /** Most characters of serialised pages kept for reuse (default 32 Mi, about 32 MB). */
  readonly pageCacheChars?: number
  /** Events indexed between two yields to the event loop while loading (default 20 000). */
  readonly loadBatch?: number
}

/** One user's events, as positions in the columns, oldest first; `userId` is the one string every event of theirs shares. */
interface UserList {
  readonly userId: string
  readonly positions: number[]
}

/** Events in insertion order, one array per field rather than one object per event (about half the memory). */
class Columns {
  readonly ids: string[] = []
  readonly names: string[] = []
  readonly details: (string | undefined)[] = []
  readonly userIds: string[] = []
  readonly positionOf = new Map<string, number>()
  readonly byUser = new Map<string, UserList>()

  append (event: Event): void {
    if (this.positionOf.has(event.id)) return
    let list = this.byUser.get(event.userId)
    if (list === undefined) {
      list = { userId: event.userId, positions: [] }
      this.byUser.set(event.userId, list)
    }
    const position = this.ids.length
    this.positionOf.set(event.id, position)
    this.ids.push(event.id)
    this.names.push(event.name)
    this.details.push(event.details)
    // The user's own key string: one copy per user, not per event.
    this.userIds.push(list.userId)
    list.positions.push(position)
  }

  event (position: number): Event {
    const id = this.ids[position] ?? ''
    const name = this.names[position] ?? ''
    const userId = this.userIds[position] ?? ''
    const details = this.details[position]
    return details === undefined ? { id, name, userId } : { id, name, userId, details }
  }

  /** The same bytes fast-json-stringify would write for eventSchema, keys in schema order. */
  json (position: number): string {
    const details = this.details[position]
    return '{"id":' + JSON.stringify(this.ids[position]) +
      ',"name":' + JSON.stringify(this.names[position]) +
      ',"userId":' + JSON.stringify(this.userIds[position]) +
      (details === undefined ? '}' : ',"details":' + JSON.stringify(details) + '}')
  }
}

/**
 * The in-process store: columns of events with an index by event id and one by user id, so every
 * read is a Map lookup and an array slice, whatever the number of events. Pages are serialised once
 * and cached until their list changes.
 */
export class MemoryEventStore implements EventStore {
  readonly #loadBatch: number
  readonly #pages: PageCache
  #users = new Map<string, User>()
  #columns = new Columns()

  constructor (options: MemoryEventStoreOptions = {}) {
    this.#loadBatch = options.loadBatch ?? 20_000
    this.#pages = new PageCache(options.pageCacheChars ?? 32 * 1024 * 1024)
  }

  async load (snapshot: { readonly users: readonly User[], readonly events: Iterable<Event> | AsyncIterable<Event> }): Promise<StoreCounts> {
    const users = new Map(snapshot.users.map((user) => [user.id, user]))
    const columns = new Columns()
    let sinceYield = 0
    for await (const event of snapshot.events) {
      columns.append(event)
      // A million events take long enough to index that requests (/health) would stall without a pause.
      if (++sinceYield === this.#loadBatch) {
        sinceYield = 0
        await yieldToEventLoop()
      }
    }
    // Swapped in at once, so no reader ever sees half a snapshot.
    this.#users = users
    this.#columns = columns
    this.#pages.clear()
    return this.#countsNow()
  }

  addEvent (event: Event): Promise<void> {
    this.#columns.append(event)
    return Promise.resolve()
  }

  hasUser (userId: string): Promise<boolean> {
    return Promise.resolve(this.#users.has(userId))
  }

  getUser (userId: string): Promise<User | undefined> {
    return Promise.resolve(this.#users.get(userId))
  }

  listUsers (): Promise<readonly UserWithEvents[]> {
    const { byUser, ids } = this.#columns
    const users: UserWithEvents[] = []
    for (const user of this.#users.values()) {
      const positions = byUser.get(user.id)?.positions ?? []
      users.push({ ...user, events: positions.map((position) => ids[position] ?? '') })
    }
    return Promise.resolve(users)
  }

  listEvents (page: PageRequest): Promise<Page<Event>> {
    // The executor turns a bad cursor into a rejection rather than a synchronous throw.
    return new Promise((resolve) => { resolve(this.#objects(this.#allPositions(), page)) })
  }

  listEventsJson (page: PageRequest): Promise<JsonPage> {
    return new Promise((resolve) => { resolve(this.#json('e', this.#allPositions(), page)) })
  }

  listEventsByUser (userId: string, page: PageRequest): Promise<Page<Event> | undefined> {
    return new Promise((resolve) => {
      resolve(this.#users.has(userId) ? this.#objects(this.#positionsOf(userId), page) : undefined)
    })
  }

  listEventsByUserJson (userId: string, page: PageRequest): Promise<JsonPage | undefined> {
    return new Promise((resolve) => {
      // The length prefix keeps keys unambiguous whatever characters the id holds.
      resolve(this.#users.has(userId) ? this.#json(`u${userId.length}:${userId}`, this.#positionsOf(userId), page) : undefined)
    })
  }

  counts (): Promise<StoreCounts> {
    return Promise.resolve(this.#countsNow())
  }

  #countsNow (): StoreCounts {
    return { users: this.#users.size, events: this.#columns.ids.length }
  }

  /** Positions of all events, as a view: no array of a million numbers is made. */
  #allPositions (): PositionList {
    return { length: this.#columns.ids.length, at: (index) => index }
  }

  #positionsOf (userId: string): PositionList {
    const positions = this.#columns.byUser.get(userId)?.positions ?? []
    return { length: positions.length, at: (index) => positions[index] ?? 0 }
  }

  #objects (positions: PositionList, page: PageRequest): Page<Event> {
    const { start, end, next } = bounds(positions.length, page)
    const items: Event[] = []
    for (let index = start; index < end; index++) items.push(this.#columns.event(positions.at(index)))
    return next === undefined ? { items } : { items, next }
  }

  #json (list: string, positions: PositionList, page: PageRequest): JsonPage {
    const { start, end, next } = bounds(positions.length, page)
    const key = `${list}|${start}|${page.limit}`
    let json = this.#pages.get(key, positions.length)
    if (json === undefined) {
      const parts: string[] = []
      for (let index = start; index < end; index++) parts.push(this.#columns.json(positions.at(index)))
      json = `[${parts.join(',')}]`
      this.#pages.set(key, json, positions.length, next !== undefined)
    }
    return next === undefined ? { json } : { json, next }
  }
}

interface PositionList {
  readonly length: number
  readonly at: (index: number) => number
}

function bounds (length: number, page: PageRequest): { start: number, end: number, next: string | undefined } {
  const start = decodeOffsetCursor(page.cursor)
  const end = Math.min(length, start + page.limit)
  return { start, end, next: start + page.limit < length ? encodeOffsetCursor(start + page.limit) : undefined }
}
