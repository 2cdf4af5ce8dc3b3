import type { Event, User } from '../services/gateway/store/eventStore.js'

/**
 * Deterministic users and events for every scenario. The measured users' events are scattered
 * evenly through the store (so an O(n) design cannot get lucky), and their ids, names and details
 * depend only on the user and the event's rank, never on the store size: the light user's bytes
 * are identical at 1e3 and 1e6 events, which is what makes the growth ratio meaningful.
 */

/** The user with few events. */
export const lightUserId = 'u10'
export const lightUserEvents = 10
/** The user with a full default page of events. */
export const heavyUserId = 'u1000'
/** Users that own every other event. */
const fillerUsers = 1000

/** The heavy user holds fewer than 1000 events only when the store is too small (990 at 1e3). */
export function heavyUserEvents (size: number): number {
  return Math.min(1000, size - lightUserEvents)
}

export function userIds (): string[] {
  return [lightUserId, heavyUserId, ...Array.from({ length: fillerUsers }, (_, index) => `f${index}`)]
}

export function createUsers (): User[] {
  return userIds().map((id) => ({ id, userName: `user-${id}`, email: `${id}@bench.example` }))
}

/** Which user (index into userIds()) owns each position of the store. */
function owners (size: number): Int32Array {
  if (!Number.isSafeInteger(size) || size < lightUserEvents + 1) {
    throw new RangeError(`dataset size must be an integer of at least ${lightUserEvents + 1}, got ${size}`)
  }
  const owner = new Int32Array(size).fill(-1)
  for (let rank = 0; rank < lightUserEvents; rank++) {
    owner[Math.floor(((rank + 1) * size) / lightUserEvents) - 1] = 0
  }
  const heavy = heavyUserEvents(size)
  for (let rank = 0; rank < heavy; rank++) {
    let position = Math.floor((rank * size) / heavy)
    while (owner[position] !== -1) position = (position + 1) % size
    owner[position] = 1
  }
  for (let position = 0; position < size; position++) {
    if (owner[position] === -1) owner[position] = 2 + (position % fillerUsers)
  }
  return owner
}

/** A UUID-shaped id (36 characters, like the gateway's own) derived from the owner and the rank. */
function eventId (ownerIndex: number, rank: number): string {
  return `${ownerIndex.toString(16).padStart(8, '0')}-0000-4000-8000-${rank.toString(16).padStart(12, '0')}`
}

/** Events in store order, one at a time, so callers that stream them never hold them all. */
export function * generateEvents (size: number): Generator<Event> {
  const ids = userIds()
  const owner = owners(size)
  const ranks = new Int32Array(ids.length)
  for (let position = 0; position < size; position++) {
    const ownerIndex = owner[position] ?? 0
    const userId = ids[ownerIndex] ?? lightUserId
    const rank = ranks[ownerIndex] ?? 0
    ranks[ownerIndex] = rank + 1
    yield { id: eventId(ownerIndex, rank), name: `Planning session ${rank}`, userId, details: `Benchmark event ${rank} for user ${userId}` }
  }
}

export function createEvents (size: number): Event[] {
  return Array.from(generateEvents(size))
}
