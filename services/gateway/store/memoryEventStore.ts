import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { decodeOffsetCursor, encodeOffsetCursor } from './cursor.js'
import type { Event, EventStore, JsonPage, Page, PageRequest, StoreCounts, User, UserWithEvents } from './eventStore.js'
import { PageCache } from '../../../utils/pageCache.js'
import { asError } from '../../../utils/asError.js'

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
  /** The start of the keys of this list's cached pages, built once. */
  readonly pageKey: string
}

/** The start of the keys of a user's cached pages: the length prefix keeps keys unambiguous whatever characters the id holds. */
function userPageKey (userId: string): string {
  return `u${userId.length}:${userId}`
}

/** The cached pages of all events. */
const allEventsPageKey = 'e'

const noPositions: readonly number[] = []

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
      list = { userId: event.userId, positions: [], pageKey: userPageKey(event.userId) }
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

  // Each read answers a bad cursor with a rejection rather than a synchronous throw. They are the
  // most frequent calls of all, so no executor closure: a try around the synchronous work.

  listEvents (page: PageRequest): Promise<Page<Event>> {
    try {
      return Promise.resolve(this.#objects(undefined, page))
    } catch (error) {
      return Promise.reject(asError(error))
    }
  }

  listEventsJson (page: PageRequest): Promise<JsonPage> {
    try {
      return Promise.resolve(this.#json(allEventsPageKey, undefined, page))
    } catch (error) {
      return Promise.reject(asError(error))
    }
  }

  listEventsByUser (userId: string, page: PageRequest): Promise<Page<Event> | undefined> {
    try {
      return Promise.resolve(this.#users.has(userId) ? this.#objects(this.#columns.byUser.get(userId)?.positions ?? noPositions, page) : undefined)
    } catch (error) {
      return Promise.reject(asError(error))
    }
  }

  listEventsByUserJson (userId: string, page: PageRequest): Promise<JsonPage | undefined> {
    try {
      return Promise.resolve(this.listEventsByUserJsonNow(userId, page))
    } catch (error) {
      return Promise.reject(asError(error))
    }
  }

  listEventsByUserJsonNow (userId: string, page: PageRequest): JsonPage | undefined {
    if (!this.#users.has(userId)) return undefined
    const list = this.#columns.byUser.get(userId)
    return list === undefined ? this.#json(userPageKey(userId), noPositions, page) : this.#json(list.pageKey, list.positions, page)
  }

  counts (): Promise<StoreCounts> {
    return Promise.resolve(this.#countsNow())
  }

  #countsNow (): StoreCounts {
    return { users: this.#users.size, events: this.#columns.ids.length }
  }

  // `positions` undefined stands for all events, each at its own position: no array of a million numbers is made.

  #objects (positions: readonly number[] | undefined, page: PageRequest): Page<Event> {
    const columns = this.#columns
    const { start, end, next } = bounds(positions?.length ?? columns.ids.length, page)
    const items: Event[] = []
    for (let index = start; index < end; index++) items.push(columns.event(positions === undefined ? index : positions[index] ?? 0))
    return next === undefined ? { items } : { items, next }
  }

  #json (list: string, positions: readonly number[] | undefined, page: PageRequest): JsonPage {
    const columns = this.#columns
    const length = positions?.length ?? columns.ids.length
    const { start, end, next } = bounds(length, page)
    const key = `${list}|${start}|${page.limit}`
    let json = this.#pages.get(key, length)
    if (json === undefined) {
      const parts: string[] = []
      for (let index = start; index < end; index++) parts.push(columns.json(positions === undefined ? index : positions[index] ?? 0))
      json = `[${parts.join(',')}]`
      this.#pages.set(key, json, length, next !== undefined)
    }
    return next === undefined ? { json } : { json, next }
  }
}

function bounds (length: number, page: PageRequest): { start: number, end: number, next: string | undefined } {
  const start = decodeOffsetCursor(page.cursor)
  const end = Math.min(length, start + page.limit)
  return { start, end, next: start + page.limit < length ? encodeOffsetCursor(start + page.limit) : undefined }
}
