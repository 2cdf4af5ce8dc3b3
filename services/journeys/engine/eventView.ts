/** A trigger event as templates and filters see it (`event.…`). */
export interface EventView {
  // Handed on as a plain record to templates and filters.
  readonly [key: string]: unknown
  readonly id: string
  readonly name: string
  readonly userId: string
  readonly email?: string
  readonly properties: Readonly<Record<string, unknown>>
  readonly occurredAt?: string
  readonly receivedAt: string
}

export interface EventRecord {
  id: string
  name: string
  user_id: string
  email: string | null
  properties: Record<string, unknown> | null
  occurred_at: Date | string | null
  received_at: Date | string
}

export function eventViewOf (record: EventRecord): EventView {
  return {
    id: record.id,
    name: record.name,
    userId: record.user_id,
    ...(record.email !== null && { email: record.email }),
    properties: record.properties ?? {},
    ...(record.occurred_at !== null && { occurredAt: new Date(record.occurred_at).toISOString() }),
    receivedAt: new Date(record.received_at).toISOString()
  }
}
