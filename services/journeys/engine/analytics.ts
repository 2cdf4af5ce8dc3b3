import type { Queryable } from './database/database.js'
import { queryDate } from './queryDate.js'
import { QueryInvalidError } from './runQueries.js'

export const analyticsBuckets = ['minute', 'hour', 'day'] as const
export type AnalyticsBucket = typeof analyticsBuckets[number]

const bucketMs: Record<AnalyticsBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/** Most buckets one answer may hold: a minute bucket spans at most a day, an hour 31 days, a day about 4 years. */
export const maxBuckets = 1500

/** The window when none is asked for: the last hour, in milliseconds. */
export const defaultWindowMs = 3_600_000

export interface AnalyticsQuery {
  /** ISO 8601 date-times; `to` defaults to now, `from` to an hour before `to`. */
  readonly from?: string | undefined
  readonly to?: string | undefined
  /** Defaults to the finest bucket that keeps the window within `maxBuckets`. */
  readonly bucket?: AnalyticsBucket | undefined
}

export interface AnalyticsWindow {
  readonly from: Date
  readonly to: Date
  readonly bucket: AnalyticsBucket
}

export interface FlowFigures {
  readonly flowId: string
  readonly name?: string
  readonly started: number
  readonly completed: number
  readonly failed: number
  readonly exited: number
  /** completed / started, 0 to 1. */
  readonly completionRate: number
}

export interface StepFigures {
  readonly type: string
  /** Attempts that succeeded. */
  readonly ok: number
  /** Attempts that failed, whether retried after or failed for good. */
  readonly failed: number
  /** Durations of those attempts, in milliseconds; absent when there were none. */
  readonly p50Ms?: number
  readonly p95Ms?: number
}

export interface Analytics {
  readonly from: string
  readonly to: string
  readonly bucket: AnalyticsBucket
  /** Recorded trigger events per bucket (its start, UTC) and name, buckets in order. */
  readonly events: readonly { readonly bucket: string, readonly name: string, readonly count: number }[]
  /** Runs started in the window, by their status now. */
  readonly runs: { readonly byStatus: Readonly<Record<string, number>> }
  /** Per flow, runs started in the window, most started first. */
  readonly flows: readonly FlowFigures[]
  /** Per step type, attempts started in the window. */
  readonly steps: readonly StepFigures[]
  /** Attempts started per bucket (its start, UTC), counted as `steps` counts them; buckets in order, empty ones left out. */
  readonly stepsOverTime: readonly { readonly bucket: string, readonly ok: number, readonly failed: number }[]
}

const floorTo = (at: Date, unitMs: number): Date => new Date(Math.floor(at.getTime() / unitMs) * unitMs)
const ceilTo = (at: Date, unitMs: number): Date => new Date(Math.ceil(at.getTime() / unitMs) * unitMs)

/**
 * The window asked for, its defaults filled in from `now`, widened to whole minutes for minute
 * buckets and to whole hours otherwise (events are counted per minute and per hour): `to` rounded
 * up, so the minute or hour under way is in it; `from` rounded down. Refuses one that is empty or
 * holds too many buckets.
 */
export function analyticsWindow (query: AnalyticsQuery, now: number): AnalyticsWindow {
  const rawTo = query.to === undefined ? new Date(now) : queryDate('querystring/to', query.to)
  const rawFrom = query.from === undefined ? new Date(ceilTo(rawTo, bucketMs.minute).getTime() - defaultWindowMs) : queryDate('querystring/from', query.from)
  const rawSpan = rawTo.getTime() - rawFrom.getTime()
  if (rawSpan <= 0) throw new QueryInvalidError('querystring/from', 'must be before to')
  if (query.bucket !== undefined && !analyticsBuckets.includes(query.bucket)) throw new QueryInvalidError('querystring/bucket', `must be one of ${analyticsBuckets.join(', ')}`)
  const bucket = query.bucket ?? analyticsBuckets.find((candidate) => rawSpan / bucketMs[candidate] <= maxBuckets) ?? 'day'
  const unitMs = bucket === 'minute' ? bucketMs.minute : bucketMs.hour
  const from = floorTo(rawFrom, unitMs)
  const to = ceilTo(rawTo, unitMs)
  if ((to.getTime() - from.getTime()) / bucketMs[bucket] > maxBuckets) throw new QueryInvalidError('querystring/bucket', `makes more than ${maxBuckets} buckets of this window: choose a coarser one or a shorter window`)
  return { from, to, bucket }
}

const iso = (value: Date | string): string => new Date(value).toISOString()
/** Milliseconds to a tenth. */
const tenth = (value: number): number => Math.round(value * 10) / 10

/**
 * The dashboard's figures for one window, each an aggregate in SQL, the same on PGlite and
 * PostgreSQL: events from their per-minute or per-hour counts (`event_counts`, `event_counts_hourly`), runs over
 * `runs_started_flow_status`, attempts per type and per bucket over `step_attempts_started`. Buckets are cut in UTC.
 */
export async function analytics (db: Queryable, query: AnalyticsQuery, now: number): Promise<Analytics> {
  const { from, to, bucket } = analyticsWindow(query, now)
  const [events, runs, steps, stepsOverTime] = await Promise.all([
    db.query<{ bucket: Date | string, name: string, count: number }>(bucket === 'minute'
      ? `SELECT minute AS bucket, name, sum(count)::integer AS count FROM journeys.event_counts
         WHERE minute >= $1 AND minute < $2 GROUP BY 1, 2 ORDER BY 1, 2`
      : `SELECT date_trunc($3, hour, 'UTC') AS bucket, name, sum(count)::integer AS count FROM journeys.event_counts_hourly
         WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2 ORDER BY 1, 2`, bucket === 'minute' ? [from, to] : [from, to, bucket]),
    db.query<{ flow_id: string, name: string | null, status: string, count: number }>(`
      SELECT g.flow_id, f.name, g.status, g.count FROM (
        SELECT flow_id, status, count(*)::integer AS count FROM journeys.runs
        WHERE started_at >= $1 AND started_at < $2 GROUP BY flow_id, status
      ) g LEFT JOIN journeys.flows f ON f.id = g.flow_id`, [from, to]),
    db.query<{ type: string, ok: number, failed: number, p: (number | null)[] | null }>(`
      SELECT type, ARRAY[extract(epoch FROM p[1]), extract(epoch FROM p[2])]::float8[] AS p, ok, failed FROM (SELECT type,
        count(*) FILTER (WHERE outcome = 'succeeded')::integer AS ok,
        count(*) FILTER (WHERE outcome IN ('retry', 'permanent'))::integer AS failed,
        percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ended_at - started_at) AS p
      FROM journeys.step_attempts
      WHERE started_at >= $1 AND started_at < $2 AND outcome IN ('succeeded', 'retry', 'permanent')
      GROUP BY type) t ORDER BY type`, [from, to]),
    db.query<{ bucket: Date | string, ok: number, failed: number }>(`
      SELECT date_trunc($3, started_at, 'UTC') AS bucket,
        count(*) FILTER (WHERE outcome = 'succeeded')::integer AS ok,
        count(*) FILTER (WHERE outcome IN ('retry', 'permanent'))::integer AS failed
      FROM journeys.step_attempts
      WHERE started_at >= $1 AND started_at < $2 AND outcome IN ('succeeded', 'retry', 'permanent')
      GROUP BY 1 ORDER BY 1`, [from, to, bucket])
  ])

  const byStatus: Record<string, number> = {}
  const flows = new Map<string, { name: string | null, counts: Record<string, number>, started: number }>()
  for (const row of runs.rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count
    const flow = flows.get(row.flow_id) ?? { name: row.name, counts: {}, started: 0 }
    flow.counts[row.status] = row.count
    flow.started += row.count
    flows.set(row.flow_id, flow)
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucket,
    events: events.rows.map((row) => ({ bucket: iso(row.bucket), name: row.name, count: row.count })),
    runs: { byStatus },
    flows: [...flows].map(([flowId, flow]) => {
      const completed = flow.counts.completed ?? 0
      return {
        flowId,
        ...(flow.name !== null && { name: flow.name }),
        started: flow.started,
        completed,
        failed: flow.counts.failed ?? 0,
        exited: flow.counts.exited ?? 0,
        completionRate: flow.started === 0 ? 0 : completed / flow.started
      }
    }).sort((a, b) => b.started - a.started || (a.flowId < b.flowId ? -1 : 1)),
    steps: steps.rows.map((row) => ({
      type: row.type,
      ok: row.ok,
      failed: row.failed,
      ...(typeof row.p?.[0] === 'number' && { p50Ms: tenth(row.p[0] * 1000) }),
      ...(typeof row.p?.[1] === 'number' && { p95Ms: tenth(row.p[1] * 1000) })
    })),
    stepsOverTime: stepsOverTime.rows.map((row) => ({ bucket: iso(row.bucket), ok: row.ok, failed: row.failed }))
  }
}
