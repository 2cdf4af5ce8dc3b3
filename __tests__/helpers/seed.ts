import type { SeedData } from '../../mocks/seed.js'
import type { Event, User } from '../../services/gateway/store/eventStore.js'

/** The route tests' users, as the gateway's store holds them. */
export const seedUsers: readonly User[] = [
  { id: '1', userName: 'ada', email: 'ada@example.com' },
  { id: '2', userName: 'grace', email: 'grace@example.com' },
  { id: '3', userName: 'linus', email: 'linus@example.com' }
]

/** The route tests' events, in the order they were added. */
export const seedEvents: readonly Event[] = [
  { id: 'e1', name: 'kickoff', userId: '1', details: 'first' },
  { id: 'e2', name: 'review', userId: '1' },
  { id: 'e3', name: 'launch', userId: '2', details: 'third' }
]

/** The same users and events as event.com's model holds them; fresh objects on every call, since the model mutates its seed. */
export function createTestSeed (): SeedData {
  return {
    users: seedUsers.map((user) => ({ ...user, events: seedEvents.filter((event) => event.userId === user.id).map((event) => event.id) })),
    events: seedEvents.map((event) => ({ ...event }))
  }
}
