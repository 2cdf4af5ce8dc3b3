import { createSeedData, type MockEvent, type MockUser, type SeedData } from './seed.js'

/** event.com's data for one service instance. */
export interface EventStore {
  readonly users: readonly Readonly<MockUser>[]
  readonly events: readonly Readonly<MockEvent>[]
  /** Ids arrive as URL strings; `'1'` finds the user whose id is `1`. */
  findUser: (id: string) => Readonly<MockUser> | undefined
  findEvent: (id: string) => Readonly<MockEvent> | undefined
  /**
   * Mutates: appends the event, and its id to the owner's `events` when the owner exists.
   * Duplicates are kept, as event.com does, so tests can see a write that landed twice.
   */
  addEvent: (event: MockEvent) => void
}

export function createEventStore (seed: SeedData = createSeedData()): EventStore {
  const { users, events } = seed
  const findUser = (id: string): MockUser | undefined => users.find(user => String(user.id) === id)

  return {
    users,
    events,
    findUser,
    findEvent: id => events.find(event => String(event.id) === id),
    addEvent (event) {
      events.push(event)
      findUser(String(event.userId))?.events.push(event.id)
    }
  }
}
