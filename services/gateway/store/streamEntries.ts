import type { Event } from './eventStore.js'

/** A Redis stream entry as ioredis answers it: the id, then the fields and values in turn. */
export type StreamEntry = [id: string, fields: string[]]

/** The id before every entry of a stream. */
export const streamStart = '0-0'

/** Orders two stream ids (`<ms>-<seq>`): negative, zero or positive, as `a` is before, at or after `b`. */
export function compareStreamIds (a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number)
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number)
  return aMs === bMs ? aSeq - bSeq : aMs - bMs
}

/** The milliseconds part of a stream id: when Redis added the entry. */
export function streamIdTime (id: string): number {
  return Number(id.split('-')[0] ?? 0)
}

/** The event an entry carries in its `e` field, or undefined for an entry that is not one. */
export function eventOfEntry ([, fields]: StreamEntry): Event | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] !== 'e') continue
    try {
      const event = JSON.parse(fields[index + 1] ?? '') as Partial<Event>
      if (typeof event.id !== 'string' || typeof event.name !== 'string' || typeof event.userId !== 'string') return undefined
      const { id, name, userId, details } = event
      return typeof details === 'string' ? { id, name, userId, details } : { id, name, userId }
    } catch {
      return undefined
    }
  }
  return undefined
}

/** The entry's value as written: the event's own JSON, keys in schema order. */
export function entryValue (event: Event): string {
  return JSON.stringify(event.details === undefined
    ? { id: event.id, name: event.name, userId: event.userId }
    : { id: event.id, name: event.name, userId: event.userId, details: event.details })
}
