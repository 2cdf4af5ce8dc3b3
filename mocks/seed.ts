/** event.com identifies users and events by number in its seed, but accepts strings on write. */
export type EntityId = number | string

export interface MockUser {
  id: EntityId
  userName: string
  email: string
  /** Ids of this user's events, in the order they were added. */
  events: EntityId[]
}

export interface MockEvent {
  id: EntityId
  name: string
  userId: EntityId
  details?: string
}

export interface SeedData {
  users: MockUser[]
  events: MockEvent[]
}

/** The challenge's starting data: 3 users, 4 events. Fresh objects on every call, so instances never share state. */
export function createSeedData (): SeedData {
  return {
    users: [
      { id: 1, userName: 'alice', email: 'alice@example.com', events: [1, 2] },
      { id: 2, userName: 'bob', email: 'bob@example.com', events: [3] },
      { id: 3, userName: 'carol', email: 'carol@example.com', events: [4] }
    ],
    events: [
      { id: 1, name: 'Team standup', userId: 1, details: 'Daily sync of the platform team' },
      { id: 2, name: 'Design review', userId: 1, details: 'Review of the gateway architecture' },
      { id: 3, name: 'Conference talk', userId: 2, details: 'A talk on resilient HTTP clients' },
      { id: 4, name: 'Product launch', userId: 3, details: 'Launch of the new events dashboard' }
    ]
  }
}
