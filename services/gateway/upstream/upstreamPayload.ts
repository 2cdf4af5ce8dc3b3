import type { Event, User } from '../store/eventStore.js'
import { UpstreamInvalidResponseError } from './upstreamErrors.js'

/** What event.com sends, parsed into the store's shapes; entries without a usable id are counted, not kept. */
export interface Parsed<T> {
  readonly items: T[]
  readonly skipped: number
}

export function parseUsers (body: unknown): Parsed<User> {
  return parseList(body, 'getUsers', (entry) => {
    const id = toId(entry.id)
    if (id === undefined) return undefined
    return { id, userName: toText(entry.userName), email: toText(entry.email) }
  })
}

export function parseEvents (body: unknown): Parsed<Event> {
  return parseList(body, 'getEvents', parseEvent)
}

/** One event of event.com's getEvents; undefined when it has no usable id or user id. */
export function parseEvent (entry: unknown): Event | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined
  const { id: rawId, userId: rawUserId, name, details } = entry as Record<string, unknown>
  const id = toId(rawId)
  const userId = toId(rawUserId)
  if (id === undefined || userId === undefined) return undefined
  return typeof details === 'string' ? { id, name: toText(name), userId, details } : { id, name: toText(name), userId }
}

function parseList<T> (body: unknown, route: string, parse: (entry: Record<string, unknown>) => T | undefined): Parsed<T> {
  if (!Array.isArray(body)) {
    throw new UpstreamInvalidResponseError(`GET /${route} did not answer with a JSON array`)
  }
  const items: T[] = []
  let skipped = 0
  for (const entry of body as unknown[]) {
    const item = typeof entry === 'object' && entry !== null ? parse(entry as Record<string, unknown>) : undefined
    if (item === undefined) skipped++
    else items.push(item)
  }
  return { items, skipped }
}

/** event.com uses numbers and strings for ids; the gateway compares them as strings. */
export function toId (value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  return undefined
}

function toText (value: unknown): string {
  return typeof value === 'string' ? value : ''
}
