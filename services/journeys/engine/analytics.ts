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
}

/** The window asked for, its defaults filled in from `now`; refuses one that is empty or holds too many buckets. */
export function analyticsWindow (query: AnalyticsQuery, now: number): AnalyticsWindow {
  const to = query.to === undefined ? new Date(now) : queryDate('querystring/to', query.to)
  const from = query.from === undefined ? new Date(to.getTime() - defaultWindowMs) : queryDate('querystring/from', query.from)
  const span = to.getTime() - from.getTime()
  if (span <= 0) throw new QueryInvalidError('querystring/from', 'must be before to')
  const bucket = query.bucket ?? analyticsBuckets.find((candidate) => span / bucketMs[candidate] <= maxBuckets) ?? 'day'
  if (span / bucketMs[bucket] > maxBuckets) throw new QueryInvalidError('querystring/bucket', `makes more than ${maxBuckets} buckets of this window: choose a coarser one or a shorter window`)
  return { from, to, bucket }
}

const iso = (value: Date | string): string => new Date(value).toISOString()
/** Milliseconds to a tenth. */
const tenth = (value: number): number => Math.round(value * 10) / 10

/**
 * The dashboard's figures for one window, each an aggregate in SQL over the indexes of migration 2
 * (`trigger_events_recorded`, `runs_started_flow_status`, `step_attempts_started`), the same SQL on
 * PGlite and PostgreSQL. Buckets are cut in UTC.
 */
export async function analytics (db: Queryable, query: AnalyticsQuery, now: number): Promise<Analytics> {
  const { from, to, bucket } = analyticsWindow(query, now)
  const [events, runs, steps] = await Promise.all([
    db.query<{ bucket: Date | string, name: string, count: number }>(`
      SELECT date_trunc($1, received_at, 'UTC') AS bucket, name, count(*)::integer AS count
      FROM journeys.trigger_events
      WHERE state = 'recorded' AND received_at >= $2 AND received_at < $3
      GROUP BY 1, 2 ORDER BY 1, 2`, [bucket, from, to]),
    db.query<{ flow_id: string, name: string | null, status: string, count: number }>(`
      SELECT g.flow_id, f.name, g.status, g.count FROM (
        SELECT flow_id, status, count(*)::integer AS count FROM journeys.runs
        WHERE started_at >= $1 AND started_at < $2 GROUP BY flow_id, status
      ) g LEFT JOIN journeys.flows f ON f.id = g.flow_id`, [from, to]),
    db.query<{ type: string, ok: number, failed: number, p50: number | null, p95: number | null }>(`
      SELECT s.type,
        count(*) FILTER (WHERE a.outcome = 'succeeded')::integer AS ok,
        count(*) FILTER (WHERE a.outcome IN ('retry', 'permanent'))::integer AS failed,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.ended_at - a.started_at)::float8 * 1000) AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.ended_at - a.started_at)::float8 * 1000) AS p95
      FROM journeys.step_attempts a JOIN journeys.run_steps s ON s.run_id = a.run_id AND s.step_id = a.step_id
      WHERE a.started_at >= $1 AND a.started_at < $2 AND a.outcome IN ('succeeded', 'retry', 'permanent')
      GROUP BY s.type ORDER BY s.type`, [from, to])
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
      ...(row.p50 !== null && { p50Ms: tenth(row.p50) }),
      ...(row.p95 !== null && { p95Ms: tenth(row.p95) })
    }))
  }
}
