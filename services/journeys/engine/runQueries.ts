import type { Queryable } from './database/database.js'
import type { TriggerAnswer } from './triggers.js'

export interface RunFilter {
  readonly flowId?: string | undefined
  readonly userId?: string | undefined
  readonly status?: string | undefined
  readonly limit: number
  readonly cursor?: string | undefined
}

export interface RunSummary {
  readonly id: string
  readonly flowId: string
  readonly flowVersion: number
  readonly userId: string
  readonly eventId: string
  readonly status: string
  readonly startedAt: string
  readonly endedAt?: string
}

export interface AttemptView {
  readonly n: number
  readonly startedAt: string
  readonly endedAt?: string
  readonly outcome?: string
  readonly status?: number
  readonly error?: string
}

export interface StepView {
  readonly id: string
  readonly type: string
  readonly status: string
  readonly branch?: string
  readonly wakeAt?: string
  readonly nextAttemptAt?: string
  readonly attempts: readonly AttemptView[]
}

export interface RunDetail extends RunSummary {
  readonly steps: readonly StepView[]
}

export interface Page<T> {
  readonly items: readonly T[]
  readonly next?: string
}

/** A cursor this engine did not issue. */
export class CursorInvalidError extends Error {
  constructor () {
    super('is not a cursor this gateway issued')
    this.name = 'CursorInvalidError'
  }
}

/** A query value the engine refuses; `field` names it as the API does (`querystring/from`). */
export class QueryInvalidError extends Error {
  constructor (readonly field: string, readonly reason: string) {
    super(`${field} ${reason}`)
    this.name = 'QueryInvalidError'
  }
}

/** Newest first: (started_at, id) descending, the cursor carrying the last one of the page. */
export function encodeCursor (at: Date | string, id: string): string {
  return Buffer.from(JSON.stringify([new Date(at).toISOString(), id])).toString('base64url')
}

export function decodeCursor (cursor: string): { readonly at: string, readonly id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0]))) {
      return { at: value[0], id: value[1] }
    }
  } catch {
    // Falls through to the error.
  }
  throw new CursorInvalidError()
}

/** A run's step status as the API names it: a step queued for its first attempt or its next one is pending. */
const shownStepStatus = (status: string): string => status === 'queued' ? 'pending' : status

export const iso = (value: Date | string | null): string | undefined => value === null ? undefined : new Date(value).toISOString()

export interface RunRecord {
  id: string
  flow_id: string
  flow_version: number
  user_id: string
  event_id: string
  status: string
  started_at: Date | string
  ended_at: Date | string | null
}

export function runSummary (row: RunRecord): RunSummary {
  const endedAt = iso(row.ended_at)
  return {
    id: row.id,
    flowId: row.flow_id,
    flowVersion: row.flow_version,
    userId: row.user_id,
    eventId: row.event_id,
    status: row.status,
    startedAt: new Date(row.started_at).toISOString(),
    ...(endedAt !== undefined && { endedAt })
  }
}

export async function listRuns (db: Queryable, filter: RunFilter): Promise<Page<RunSummary>> {
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor)
  const { rows } = await db.query<RunRecord>(`
    SELECT id, flow_id, flow_version, user_id, event_id, status, started_at, ended_at FROM journeys.runs
    WHERE ($1::text IS NULL OR flow_id = $1) AND ($2::text IS NULL OR user_id = $2) AND ($3::text IS NULL OR status = $3)
      AND ($4::timestamptz IS NULL OR (started_at, id) < ($4::timestamptz, $5::text))
    ORDER BY started_at DESC, id DESC LIMIT $6`,
  [filter.flowId ?? null, filter.userId ?? null, filter.status ?? null, after?.at ?? null, after?.id ?? null, filter.limit + 1])
  const items = rows.slice(0, filter.limit).map(runSummary)
  const last = rows[filter.limit - 1]
  return rows.length > filter.limit && last !== undefined ? { items, next: encodeCursor(last.started_at, last.id) } : { items }
}

export async function getRun (db: Queryable, runId: string, order: (flowId: string, version: number) => Promise<readonly string[]>): Promise<RunDetail | undefined> {
  const runs = await db.query<RunRecord>('SELECT id, flow_id, flow_version, user_id, event_id, status, started_at, ended_at FROM journeys.runs WHERE id = $1', [runId])
  const run = runs.rows[0]
  if (run === undefined) return undefined
  const steps = await db.query<{ step_id: string, type: string, status: string, branch: string | null, wake_at: Date | string | null, next_attempt_at: Date | string | null }>(
    'SELECT step_id, type, status, branch, wake_at, next_attempt_at FROM journeys.run_steps WHERE run_id = $1', [runId])
  const attempts = await db.query<{ step_id: string, n: number, started_at: Date | string, ended_at: Date | string | null, outcome: string | null, status: number | null, error: string | null }>(
    'SELECT step_id, n, started_at, ended_at, outcome, status, error FROM journeys.step_attempts WHERE run_id = $1 ORDER BY step_id, n', [runId])
  const byStep = new Map<string, AttemptView[]>()
  for (const row of attempts.rows) {
    const endedAt = iso(row.ended_at)
    byStep.set(row.step_id, [...byStep.get(row.step_id) ?? [], {
      n: row.n,
      startedAt: new Date(row.started_at).toISOString(),
      ...(endedAt !== undefined && { endedAt }),
      ...(row.outcome !== null && { outcome: row.outcome }),
      ...(row.status !== null && { status: row.status }),
      ...(row.error !== null && { error: row.error })
    }])
  }
  const position = new Map((await order(run.flow_id, run.flow_version)).map((id, index) => [id, index]))
  const sorted = [...steps.rows].sort((a, b) => (position.get(a.step_id) ?? 0) - (position.get(b.step_id) ?? 0))
  return {
    ...runSummary(run),
    steps: sorted.map((step) => {
      const wakeAt = step.status === 'waiting' ? iso(step.wake_at) : undefined
      const nextAttemptAt = step.status === 'queued' ? iso(step.next_attempt_at) : undefined
      return {
        id: step.step_id,
        type: step.type,
        status: shownStepStatus(step.status),
        ...(step.branch !== null && { branch: step.branch }),
        ...(wakeAt !== undefined && { wakeAt }),
        ...(nextAttemptAt !== undefined && { nextAttemptAt }),
        attempts: byStep.get(step.step_id) ?? []
      }
    })
  }
}

export interface EventDetail {
  readonly id: string
  readonly name: string
  readonly userId: string
  readonly source: string
  readonly state: string
  readonly properties: Readonly<Record<string, unknown>>
  readonly occurredAt?: string
  readonly receivedAt: string
  readonly runs: readonly RunSummary[]
  readonly skipped: TriggerAnswer['skipped']
  readonly exited: TriggerAnswer['exited']
}

/** A trigger event's row, as `eventDetail` reads it. */
export interface EventDetailRecord {
  id: string
  name: string
  user_id: string
  source: string
  state: string
  properties: Record<string, unknown> | null
  occurred_at: Date | string | null
  received_at: Date | string
  answer: { skipped?: TriggerAnswer['skipped'], exited?: TriggerAnswer['exited'] } | null
}

export const eventDetailColumns = 'id, name, user_id, source, state, properties, occurred_at, received_at, answer'

/** The event as the API shows it, with the runs it started (oldest first). */
export function eventDetail (event: EventDetailRecord, runs: readonly RunRecord[]): EventDetail {
  const occurredAt = iso(event.occurred_at)
  return {
    id: event.id,
    name: event.name,
    userId: event.user_id,
    source: event.source,
    state: event.state,
    properties: event.properties ?? {},
    ...(occurredAt !== undefined && { occurredAt }),
    receivedAt: new Date(event.received_at).toISOString(),
    runs: runs.map(runSummary),
    skipped: event.answer?.skipped ?? [],
    exited: event.answer?.exited ?? []
  }
}

export async function getEvent (db: Queryable, eventId: string): Promise<EventDetail | undefined> {
  const events = await db.query<EventDetailRecord>(`SELECT ${eventDetailColumns} FROM journeys.trigger_events WHERE id = $1`, [eventId])
  const event = events.rows[0]
  if (event === undefined) return undefined
  const runs = await db.query<RunRecord>('SELECT id, flow_id, flow_version, user_id, event_id, status, started_at, ended_at FROM journeys.runs WHERE event_id = $1 ORDER BY started_at, id', [eventId])
  return eventDetail(event, runs.rows)
}

/** Writes' events still pending after `olderThan`: their write's outcome is unknown, to be settled by asking event.com. */
export async function pendingEvents (db: Queryable, olderThan: Date, limit: number): Promise<{ id: string, name: string, userId: string, properties: Record<string, unknown> }[]> {
  const { rows } = await db.query<{ id: string, name: string, user_id: string, properties: Record<string, unknown> | null }>(
    `SELECT id, name, user_id, properties FROM journeys.trigger_events WHERE state = 'pending' AND received_at < $1 ORDER BY received_at LIMIT $2`, [olderThan, limit])
  return rows.map((row) => ({ id: row.id, name: row.name, userId: row.user_id, properties: row.properties ?? {} }))
}
