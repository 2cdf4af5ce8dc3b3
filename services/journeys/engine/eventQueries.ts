import type { Queryable } from './database/database.js'
import { queryDate } from './queryDate.js'
import { QueryInvalidError, decodeCursor, encodeCursor, eventDetail, eventDetailColumns } from './runQueries.js'
import type { EventDetail, EventDetailRecord, Page, RunRecord } from './runQueries.js'

export interface EventFilter {
  readonly name?: string | undefined
  readonly userId?: string | undefined
  /** ISO 8601 date-times: received at or after `from`, before `to`. */
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly limit: number
  readonly cursor?: string | undefined
}

const date = (field: string, value: string | undefined): Date | null => value === undefined ? null : queryDate(field, value)

/**
 * Trigger events, newest first ((received_at, id) descending, the cursor carrying the page's last),
 * each with the runs it started and the flows it skipped, as GET /api/events/:id shows one.
 */
export async function listEvents (db: Queryable, filter: EventFilter): Promise<Page<EventDetail>> {
  const from = date('querystring/from', filter.from)
  const to = date('querystring/to', filter.to)
  if (from !== null && to !== null && from >= to) throw new QueryInvalidError('querystring/from', 'must be before to')
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor)
  const { rows } = await db.query<EventDetailRecord>(`
    SELECT ${eventDetailColumns} FROM journeys.trigger_events
    WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR user_id = $2)
      AND ($3::timestamptz IS NULL OR received_at >= $3) AND ($4::timestamptz IS NULL OR received_at < $4)
      AND ($5::timestamptz IS NULL OR (received_at, id) < ($5::timestamptz, $6::text))
    ORDER BY received_at DESC, id DESC LIMIT $7`,
  [filter.name ?? null, filter.userId ?? null, from, to, after?.at ?? null, after?.id ?? null, filter.limit + 1])
  const page = rows.slice(0, filter.limit)
  const runs = page.length === 0
    ? []
    : (await db.query<RunRecord>(`
        SELECT id, flow_id, flow_version, user_id, event_id, status, started_at, ended_at FROM journeys.runs
        WHERE event_id = ANY($1::text[]) ORDER BY started_at, id`, [page.map((row) => row.id)])).rows
  const byEvent = new Map<string, RunRecord[]>()
  for (const run of runs) byEvent.set(run.event_id, [...byEvent.get(run.event_id) ?? [], run])
  const items = page.map((row) => eventDetail(row, byEvent.get(row.id) ?? []))
  const last = rows[filter.limit - 1]
  return rows.length > filter.limit && last !== undefined ? { items, next: encodeCursor(last.received_at, last.id) } : { items }
}
