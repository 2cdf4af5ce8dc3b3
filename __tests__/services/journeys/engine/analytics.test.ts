import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analytics, analyticsWindow } from '../../../../services/journeys/engine/analytics.js'
import type { Database } from '../../../../services/journeys/engine/database/database.js'
import { migrate } from '../../../../services/journeys/engine/database/migrations.js'
import { openPglite } from '../../../../services/journeys/engine/database/pgliteDatabase.js'
import { openPostgres } from '../../../../services/journeys/engine/database/postgresDatabase.js'
import { QueryInvalidError } from '../../../../services/journeys/engine/runQueries.js'
import { backends, createPostgresDatabase } from '../../../helpers/journeyDatabases.js'

const at = (time: string): Date => new Date(`2024-05-01T${time}Z`)
const noon = at('12:00:00').getTime()
const window = { from: '2024-05-01T12:00:00Z', to: '2024-05-01T13:00:00Z' }

/** Rows written straight into the engine's tables, so every timestamp and duration is the test's. */
async function seed (db: Database): Promise<void> {
  const event = (id: string, name: string, time: string, state = 'recorded'): Promise<unknown> =>
    db.query(`INSERT INTO journeys.trigger_events (id, name, user_id, received_at, source, state) VALUES ($1, $2, 'u', $3, 'api', $4)`, [id, name, at(time), state])
  await event('e1', 'signup', '12:00:10')
  await event('e2', 'signup', '12:00:50')
  await event('e3', 'signup', '12:01:30')
  await event('e4', 'login', '12:01:40')
  await event('pending', 'signup', '12:01:00', 'pending')
  await event('discarded', 'signup', '12:01:05', 'discarded')
  await event('before', 'signup', '11:59:59')
  await event('at-end', 'signup', '13:00:00')
  // What recording them counted, as migration 2 counts the events recorded before it.
  await db.query(`INSERT INTO journeys.event_counts (minute, name, shard, count)
    SELECT date_trunc('minute', received_at, 'UTC'), name, 0, count(*) FROM journeys.trigger_events WHERE state = 'recorded' GROUP BY 1, 2`)
  await db.query(`INSERT INTO journeys.event_counts_hourly (hour, name, shard, count)
    SELECT date_trunc('hour', received_at, 'UTC'), name, 0, count(*) FROM journeys.trigger_events WHERE state = 'recorded' GROUP BY 1, 2`)

  await db.query(`INSERT INTO journeys.flows (id, name, latest_version) VALUES ('f1', 'Welcome', 1)`)
  const run = (id: string, flowId: string, status: string, time: string): Promise<unknown> =>
    db.query(`INSERT INTO journeys.runs (id, flow_id, flow_version, user_id, event_id, status, context, started_at) VALUES ($1, $2, 1, 'u', 'e1', $3, '{}', $4)`, [id, flowId, status, at(time)])
  await run('r1', 'f1', 'completed', '12:00:10')
  await run('r2', 'f1', 'completed', '12:10:00')
  await run('r3', 'f1', 'completed', '12:20:00')
  await run('r4', 'f1', 'failed', '12:30:00')
  await run('r5', 'f2', 'exited', '12:40:00')
  await run('r6', 'f2', 'running', '12:59:59')
  await run('r-before', 'f1', 'failed', '11:00:00')

  const step = (runId: string, stepId: string, type: string): Promise<unknown> =>
    db.query(`INSERT INTO journeys.run_steps (run_id, step_id, type, status) VALUES ($1, $2, $3, 'succeeded')`, [runId, stepId, type])
  const types: Record<string, string> = { welcome: 'email', hook: 'webhook' }
  const attempt = (runId: string, stepId: string, n: number, time: string, ms: number, outcome: string): Promise<unknown> =>
    db.query('INSERT INTO journeys.step_attempts (run_id, step_id, n, started_at, ended_at, outcome, type) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [runId, stepId, n, at(time), new Date(at(time).getTime() + ms), outcome, types[stepId]])
  for (const runId of ['r1', 'r2', 'r3', 'r4', 'r-before']) {
    await step(runId, 'welcome', 'email')
    await step(runId, 'hook', 'webhook')
  }
  await attempt('r1', 'welcome', 1, '12:00:11', 100, 'succeeded')
  await attempt('r2', 'welcome', 1, '12:10:01', 1000, 'retry')
  await attempt('r2', 'welcome', 2, '12:10:05', 200, 'succeeded')
  await attempt('r3', 'welcome', 1, '12:20:01', 300, 'succeeded')
  await attempt('r4', 'welcome', 1, '12:30:01', 400, 'succeeded')
  await attempt('r4', 'welcome', 2, '12:30:03', 5000, 'cancelled')
  await attempt('r3', 'hook', 1, '12:20:02', 9000, 'interrupted')
  await attempt('r4', 'hook', 1, '12:30:02', 50, 'permanent')
  await attempt('r-before', 'welcome', 1, '11:00:01', 70_000, 'succeeded')
  // An attempt still in flight has no duration and no outcome yet.
  await db.query('INSERT INTO journeys.step_attempts (run_id, step_id, n, started_at, type) VALUES ($1, $2, $3, $4, $5)', ['r1', 'hook', 1, at('12:00:12'), 'webhook'])
}

describe.each(backends)('analytics on %s', (backend) => {
  let db: Database
  let drop: (() => Promise<void>) | undefined

  beforeAll(async () => {
    if (backend === 'pglite') {
      db = await openPglite('memory://')
    } else {
      const created = await createPostgresDatabase()
      db = openPostgres(created.url)
      drop = created.drop
    }
    await migrate(db)
    await seed(db)
  }, 60_000)

  afterAll(async () => {
    await db.close()
    await drop?.()
  })

  it('counts recorded events per minute and name, runs by status, each flow\'s completion and each step type\'s attempts, within [from, to)', async () => {
    expect(await analytics(db, { ...window, bucket: 'minute' }, noon)).toEqual({
      from: '2024-05-01T12:00:00.000Z',
      to: '2024-05-01T13:00:00.000Z',
      bucket: 'minute',
      events: [
        { bucket: '2024-05-01T12:00:00.000Z', name: 'signup', count: 2 },
        { bucket: '2024-05-01T12:01:00.000Z', name: 'login', count: 1 },
        { bucket: '2024-05-01T12:01:00.000Z', name: 'signup', count: 1 }
      ],
      runs: { byStatus: { completed: 3, failed: 1, exited: 1, running: 1 } },
      flows: [
        { flowId: 'f1', name: 'Welcome', started: 4, completed: 3, failed: 1, exited: 0, completionRate: 0.75 },
        { flowId: 'f2', started: 2, completed: 0, failed: 0, exited: 1, completionRate: 0 }
      ],
      steps: [
        // Durations 100, 200, 300, 400 and the retried 1000: interpolated percentiles, as percentile_cont gives them.
        { type: 'email', ok: 4, failed: 1, p50Ms: 300, p95Ms: 880 },
        { type: 'webhook', ok: 0, failed: 1, p50Ms: 50, p95Ms: 50 }
      ],
      // Per minute the attempt started in, whatever its type: cancelled, interrupted and unfinished ones are not counted.
      stepsOverTime: [
        { bucket: '2024-05-01T12:00:00.000Z', ok: 1, failed: 0 },
        { bucket: '2024-05-01T12:10:00.000Z', ok: 1, failed: 1 },
        { bucket: '2024-05-01T12:20:00.000Z', ok: 1, failed: 0 },
        { bucket: '2024-05-01T12:30:00.000Z', ok: 1, failed: 1 }
      ]
    })
  })

  it('cuts hour and day buckets in UTC', async () => {
    const hourly = await analytics(db, { ...window, bucket: 'hour' }, noon)
    expect(hourly.events).toEqual([
      { bucket: '2024-05-01T12:00:00.000Z', name: 'login', count: 1 },
      { bucket: '2024-05-01T12:00:00.000Z', name: 'signup', count: 3 }
    ])
    expect(hourly.stepsOverTime).toEqual([{ bucket: '2024-05-01T12:00:00.000Z', ok: 4, failed: 2 }])
    const daily = await analytics(db, { from: '2024-05-01T00:00:00+02:00', to: '2024-05-02T00:00:00Z', bucket: 'day' }, noon)
    expect(daily.events).toEqual([
      { bucket: '2024-05-01T00:00:00.000Z', name: 'login', count: 1 },
      { bucket: '2024-05-01T00:00:00.000Z', name: 'signup', count: 5 }
    ])
    expect(daily.runs.byStatus).toEqual({ completed: 3, failed: 2, exited: 1, running: 1 })
    // The attempt at 11:00 is in 1 May UTC with the others, though the window began on 30 April at 22:00 UTC.
    expect(daily.stepsOverTime).toEqual([{ bucket: '2024-05-01T00:00:00.000Z', ok: 5, failed: 2 }])
    const hours = await analytics(db, { from: '2024-05-01T10:30:00Z', to: '2024-05-01T12:15:00Z', bucket: 'hour' }, noon)
    expect(hours.stepsOverTime).toEqual([
      { bucket: '2024-05-01T11:00:00.000Z', ok: 1, failed: 0 },
      { bucket: '2024-05-01T12:00:00.000Z', ok: 4, failed: 2 }
    ])
  })

  it('reads the last hour by default, to the end of the minute under way, and answers a window with nothing in it with empty figures', async () => {
    const recent = await analytics(db, {}, at('12:01:45').getTime())
    expect(recent).toMatchObject({ from: '2024-05-01T11:02:00.000Z', to: '2024-05-01T12:02:00.000Z', bucket: 'minute' })
    expect(recent.events.map((row) => row.count).reduce((a, b) => a + b, 0)).toBe(5)
    const empty = await analytics(db, {}, at('23:00:00').getTime())
    expect(empty).toEqual({ from: '2024-05-01T22:00:00.000Z', to: '2024-05-01T23:00:00.000Z', bucket: 'minute', events: [], runs: { byStatus: {} }, flows: [], steps: [], stepsOverTime: [] })
  })
})

describe('analyticsWindow', () => {
  it('widens the window to whole minutes, and picks the finest bucket that keeps it within 1500 buckets', () => {
    expect(analyticsWindow({ from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, noon).bucket).toBe('minute')
    expect(analyticsWindow({ from: '2024-05-01T00:00:00Z', to: '2024-05-08T00:00:00Z' }, noon).bucket).toBe('hour')
    expect(analyticsWindow({ from: '2024-01-01T00:00:00Z', to: '2024-05-01T00:00:00Z' }, noon).bucket).toBe('day')
    expect(analyticsWindow({ to: '2024-05-01T10:00:00Z' }, noon)).toEqual({ from: at('09:00:00'), to: at('10:00:00'), bucket: 'minute' })
    expect(analyticsWindow({ from: '2024-05-01T10:00:30Z', to: '2024-05-01T10:05:00.001Z' }, noon)).toEqual({ from: at('10:00:00'), to: at('10:06:00'), bucket: 'minute' })
  })

  it('refuses an empty or reversed window, a bucket too fine for it, and a date it cannot read, naming the field', () => {
    const refusal = (query: Parameters<typeof analyticsWindow>[0]): { field: string } | undefined => {
      try {
        analyticsWindow(query, noon)
        return undefined
      } catch (error) {
        expect(error).toBeInstanceOf(QueryInvalidError)
        return { field: (error as QueryInvalidError).field }
      }
    }
    expect(refusal({ from: '2024-05-01T12:00:00Z', to: '2024-05-01T12:00:00Z' })).toEqual({ field: 'querystring/from' })
    expect(refusal({ from: '2024-05-01T13:00:00Z' })).toEqual({ field: 'querystring/from' })
    expect(refusal({ from: '2024-04-01T00:00:00Z', to: '2024-05-01T00:00:00Z', bucket: 'minute' })).toEqual({ field: 'querystring/bucket' })
    expect(refusal({ to: '2024-02-30T25:00:00Z' })).toEqual({ field: 'querystring/to' })
    expect(refusal({ bucket: 'week' as 'day' })).toEqual({ field: 'querystring/bucket' })
  })
})
