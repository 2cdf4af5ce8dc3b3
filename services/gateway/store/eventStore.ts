import type { JsonPage } from '../../http/paging.js'

/** Ids are opaque strings: event.com's `1` and `"1"` name the same user. */
export interface User {
  readonly id: string
  readonly userName: string
  readonly email: string
}

export interface Event {
  readonly id: string
  readonly name: string
  readonly userId: string
  readonly details?: string
}

/** A user as the API shows it: with the ids of their events, oldest first. */
export interface UserWithEvents extends User {
  readonly events: readonly string[]
}

export interface PageRequest {
  /** Most items to return. */
  readonly limit: number
  /** Where the previous page ended, as returned in `next`; absent for the first page. */
  readonly cursor?: string | undefined
}

export interface Page<T> {
  readonly items: readonly T[]
  /** Cursor of the following page; absent on the last page. */
  readonly next?: string | undefined
}

export type { JsonPage }

/** How current a read is: 'stale' when the store could not make sure it holds every acknowledged event. */
export type ReadConsistency = 'fresh' | 'stale'

export interface StoreCounts {
  readonly users: number
  readonly events: number
}

/**
 * Where the gateway keeps what event.com holds. Reads are constant time in the number of events
 * (per-user lists are indexed); `load` and `addEvent` are the only methods that mutate.
 * Methods are async so that a networked implementation (Redis) fits the same contract.
 * A cursor the store did not issue makes the listing methods reject with `GW_ERR_REQUEST_INVALID`.
 * The `…Json` methods return the same page as their object forms, serialised with the keys in the
 * order id, name, userId, details; a store may cache them, which is what makes reads cheap.
 */
export interface EventStore {
  /** Replaces all users and events with a snapshot of event.com. Mutates. */
  load: (snapshot: { readonly users: readonly User[], readonly events: Iterable<Event> | AsyncIterable<Event> }) => Promise<StoreCounts>
  /** Appends one event that event.com accepted. Adding an id that is already stored changes nothing. Mutates. */
  addEvent: (event: Event) => Promise<void>
  hasUser: (userId: string) => Promise<boolean>
  /** The user with this id, as event.com describes them; undefined for an unknown id. */
  getUser: (userId: string) => Promise<User | undefined>
  listUsers: () => Promise<readonly UserWithEvents[]>
  listEvents: (page: PageRequest) => Promise<Page<Event>>
  listEventsJson: (page: PageRequest) => Promise<JsonPage>
  /** A user's events in the order they were added; undefined for an unknown user. */
  listEventsByUser: (userId: string, page: PageRequest) => Promise<Page<Event> | undefined>
  listEventsByUserJson: (userId: string, page: PageRequest) => Promise<JsonPage | undefined>
  /**
   * The same page as `listEventsByUserJson`, returned rather than promised (and thrown where that
   * rejects), by a store whose index is in this process; absent on one that must ask elsewhere.
   * The per-user read is the most frequent request of all: answered this way it costs no promise.
   */
  listEventsByUserJsonNow?: (userId: string, page: PageRequest) => JsonPage | undefined
  counts: () => Promise<StoreCounts>
  /**
   * Waits until the store holds every event acknowledged before the call, by any instance; absent
   * on a store of one process, where that is always so. Never rejects: 'stale' when it could not.
   */
  sync?: () => Promise<ReadConsistency>
}
