/**
 * `npx tsx bench/analyticsBench.ts [--events N] [--runs N]`: GET /api/analytics's query at scale.
 * A fresh embedded database (and a fresh PostgreSQL database when DATABASE_URL names a server)
 * gets 1e6 trigger events and 1e5 runs (two steps and about two attempts each) by SQL, spread over
 * the 30 days retention keeps; then each window is timed, median of 5 after one warm-up, before and
 * after VACUUM (the embedded database never vacuums by itself). Target: at most 200 ms.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { analytics } from '../services/journeys/engine/analytics.js'
import type { AnalyticsQuery } from '../services/journeys/engine/analytics.js'
import type { Database } from '../services/journeys/engine/database/database.js'
import { migrate } from '../services/journeys/engine/database/migrations.js'
import { openPglite } from '../services/journeys/engine/database/pgliteDatabase.js'
import { openPostgres } from '../services/journeys/engine/database/postgresDatabase.js'
import { median } from './median.js'
import { formatMs, renderTable, verdict } from './table.js'
import type { Table } from './table.js'

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '100000' } } })
const eventCount = Number(values.events)
const runCount = Number(values.runs)
const targetMs = 200
const spanDays = 30
const now = Date.parse('2024-06-01T00:00:00Z')
const hour = 3_600_000

const windows: readonly (readonly [string, AnalyticsQuery])[] = [
  ['last hour, minute buckets (the default)', {}],
  ['last 24 h, hour buckets', { from: new Date(now - 24 * hour).toISOString(), bucket: 'hour' }],
  ['last 7 days, hour buckets', { from: new Date(now - 7 * 24 * hour).toISOString(), bucket: 'hour' }],
  [`last ${spanDays} days, day buckets (every row)`, { from: new Date(now - spanDays * 24 * hour).toISOString(), bucket: 'day' }]
]

/** The rows, written by the database itself: 20 event names, 10 flows, statuses and outcomes in fixed proportions. */
async function fill (db: Database): Promise<number> {
  const started = performance.now()
  const from = new Date(now - spanDays * 24 * hour)
  await db.query(`
    INSERT INTO journeys.trigger_events (id, name, user_id, properties, received_at, source, state)
    SELECT 'e' || i, 'event-' || (i % 20), 'u' || (i % 50000), '{}', $2::timestamptz + (i * $3::float8 / $1) * interval '1 millisecond', 'api',
      CASE WHEN i % 100 = 0 THEN 'discarded' ELSE 'recorded' END
    FROM generate_series(1, $1::integer) AS i`, [eventCount, from, spanDays * 24 * hour])
  // What recording them one by one would have counted, in the same shards.
  await db.query(`
    INSERT INTO journeys.event_counts (minute, name, shard, count)
    SELECT date_trunc('minute', received_at, 'UTC'), name, hashtext(id) & 7, count(*) FROM journeys.trigger_events WHERE state = 'recorded' GROUP BY 1, 2, 3`)
  await db.query(`
    INSERT INTO journeys.event_counts_hourly (hour, name, shard, count)
    SELECT date_trunc('hour', received_at, 'UTC'), name, hashtext(id) & 7, count(*) FROM journeys.trigger_events WHERE state = 'recorded' GROUP BY 1, 2, 3`)
  await db.query(`INSERT INTO journeys.flows (id, name, latest_version) SELECT 'flow-' || f, 'Flow ' || f, 1 FROM generate_series(0, 9) AS f`)
  await db.query(`
    INSERT INTO journeys.runs (id, flow_id, flow_version, user_id, event_id, status, context, started_at, ended_at)
    SELECT 'r' || i, 'flow-' || (i % 10), 1, 'u' || (i % 50000), 'e' || (i * 10), s.status, '{}', s.at, CASE WHEN s.status IN ('running', 'waiting') THEN NULL ELSE s.at + interval '1 minute' END
    FROM generate_series(1, $1::integer) AS i,
      LATERAL (SELECT (ARRAY['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'failed', 'exited', 'waiting', 'running'])[1 + i % 10] AS status,
        $2::timestamptz + (i * $3::float8 / $1) * interval '1 millisecond' AS at) s`, [runCount, from, spanDays * 24 * hour])
  await db.query(`INSERT INTO journeys.run_steps (run_id, step_id, type, status) SELECT id, 'welcome', 'email', 'succeeded' FROM journeys.runs`)
  await db.query(`INSERT INTO journeys.run_steps (run_id, step_id, type, status) SELECT id, 'notify', 'webhook', 'succeeded' FROM journeys.runs`)
  await db.query(`
    INSERT INTO journeys.step_attempts (run_id, step_id, n, type, started_at, ended_at, outcome)
    SELECT s.run_id, s.step_id, n, s.type, r.started_at + n * interval '1 second', r.started_at + n * interval '1 second' + ((hashtext(s.run_id || s.step_id || n) & 1023) + 20) * interval '1 millisecond',
      CASE WHEN n = 1 AND hashtext(s.run_id) % 5 = 0 THEN 'retry' ELSE 'succeeded' END
    FROM journeys.run_steps s JOIN journeys.runs r ON r.id = s.run_id, generate_series(1, 2) AS n
    WHERE n = 1 OR hashtext(s.run_id) % 5 = 0`)
  await db.query('ANALYZE')
  return performance.now() - started
}

async function time (db: Database, query: AnalyticsQuery): Promise<{ medianMs: number, events: number }> {
  const first = await analytics(db, query, now)
  const durations: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    await analytics(db, query, now)
    durations.push(performance.now() - started)
  }
  return { medianMs: median(durations), events: first.events.reduce((sum, row) => sum + row.count, 0) }
}

async function bench (label: string, db: Database): Promise<Table> {
  await migrate(db)
  const fillMs = await fill(db)
  const rows: string[][] = []
  for (const phase of ['as written (ANALYZE only)', 'after VACUUM'] as const) {
    if (phase === 'after VACUUM') await db.query('VACUUM ANALYZE')
    for (const [name, query] of windows) {
      const { medianMs, events } = await time(db, query)
      rows.push([phase, name, events.toLocaleString('en-US'), formatMs(medianMs), verdict(medianMs <= targetMs)])
    }
  }
  return {
    title: `Analytics on ${label}: ${eventCount.toLocaleString('en-US')} events, ${runCount.toLocaleString('en-US')} runs over ${spanDays} days`,
    header: ['database', 'window', 'events in it', 'median ms (of 5)', `≤ ${targetMs} ms`],
    rows,
    notes: [`filled by SQL in ${formatMs(fillMs)} ms`, 'one query per figure, run together: events from their per-minute or per-hour counts, runs by flow and status, attempts by step type']
  }
}

async function withPostgres (server: string, work: (db: Database) => Promise<Table>): Promise<Table> {
  const name = `analytics_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(server)
  url.pathname = `/${name}`
  const db = openPostgres(url.href)
  try {
    return await work(db)
  } finally {
    await db.close()
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}

const pglite = await openPglite('memory://')
try {
  process.stdout.write(`${renderTable(await bench('PGlite (in memory)', pglite))}\n\n`)
} finally {
  await pglite.close()
}
const server = process.env.DATABASE_URL
if (server !== undefined && server !== '') {
  const table = await withPostgres(server, (db) => bench('PostgreSQL', db))
  process.stdout.write(`${renderTable(table)}\n\n`)
}
