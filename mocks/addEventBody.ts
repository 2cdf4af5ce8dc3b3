import type { EntityId, MockEvent } from './seed.js'

export type AddEventParseResult =
  | { ok: true, event: MockEvent }
  | { ok: false, message: string }

function isPresentId (value: unknown): value is EntityId {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))
}

/** Validates a `POST /addEvent` body: `id`, `name` and `userId` strings or numbers, `details` an optional string. */
export function parseAddEventBody (body: unknown): AddEventParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'The body must be a JSON object' }
  }
  const { id, name, userId, details } = body as Record<string, unknown>
  if (!isPresentId(id) || !isPresentId(name) || !isPresentId(userId)) {
    const missing = Object.entries({ id, name, userId })
      .filter(([, value]) => !isPresentId(value))
      .map(([field]) => field)
    return { ok: false, message: `Missing or invalid fields: ${missing.join(', ')}` }
  }
  if (details !== undefined && typeof details !== 'string') {
    return { ok: false, message: 'details must be a string' }
  }
  const event: MockEvent = { id, name: String(name), userId }
  if (details !== undefined) event.details = details
  return { ok: true, event }
}
