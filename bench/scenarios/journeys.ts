import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Pool } from 'undici'
import type { BenchOptions } from '../benchOptions.js'
import { alternate, summarize } from '../compareTargets.js'
import { benchEvents, benchFlows } from '../journeys/benchFlows.js'
import { enqueueToStart, waitLateness } from '../journeys/engineLatency.js'
import type { Spread } from '../journeys/engineLatency.js'
import { expectStatus, metricValues, postJson } from '../journeys/journeyApi.js'
import { freshPglite, freshPostgres } from '../journeys/journeyDatabase.js'
import type { JourneyDatabase } from '../journeys/journeyDatabase.js'
import { ensureBuilt, rssOf, startJourneyGateway } from '../journeys/journeyGateway.js'
import { readsUnderSteps } from '../journeys/readsUnderSteps.js'
import { stepBurst } from '../journeys/stepThroughput.js'
import { loadCpu, startServers, stopServers } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatBytes, formatMs, formatRate, formatRatio, verdict } from '../table.js'

/** prom-client samples the event loop every 10 ms; a sample is the whole interval, so the delay is what exceeds it. */
const lagResolutionMs = 10
const targets = { ingestPglite: 1000, ingestPostgres: 3000, stepsPerSec: 500, startP50Ms: 20, waitP99Ms: 1000, readRatio: 0.95, lagP99Ms: 10, lagMaxMs: 50 }
const streamStepsPerSec = 200
/**
 * Events event.com's stand-in serves: the fewest that still give the light user (u10) its 10, so
 * that hydrating them costs the start-up next to nothing and the delay measured is the engine's.
 */
const storeSize = 11

interface Lag { readonly p99Ms: number, readonly maxMs: number }

/** The main thread's event-loop delay since the previous scrape of /metrics (prom-client resets its histogram on each). */
async function lagSinceLastScrape (pool: Pool): Promise<Lag> {
  const values = await metricValues(pool, ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds'])
  const p99 = values.nodejs_eventloop_lag_p99_seconds
  const max = values.nodejs_eventloop_lag_max_seconds
  if (p99 === undefined || max === undefined) throw new Error('/metrics has no nodejs_eventloop_lag_p99_seconds / _max_seconds')
  return { p99Ms: Math.max(0, p99 * 1000 - lagResolutionMs), maxMs: Math.max(0, max * 1000 - lagResolutionMs) }
}

/** The largest RSS seen while `work` runs, sampled every 100 ms. */
async function peakRss<T> (pid: number, work: () => Promise<T>): Promise<{ result: T, peak: number }> {
  let peak = rssOf(pid)
  const timer = setInterval(() => { peak = Math.max(peak, rssOf(pid)) }, 100)
  try {
    const result = await work()
    return { result, peak: Math.max(peak, rssOf(pid)) }
  } finally {
    clearInterval(timer)
  }
}

const ms = (value: number): string => `${formatMs(value)} ms`
const spreadText = (s: Spread): string => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (${s.count} runs)`

/** Every journeys figure on one database, from the gateway's first start on it. */
async function journeysOn (database: JourneyDatabase, options: BenchOptions): Promise<Table> {
  const { quick } = options
  const label = database.kind === 'pglite' ? 'PGlite (fresh DATA_DIR)' : 'PostgreSQL 15 (fresh database)'
  const ingestTarget = database.kind === 'pglite' ? targets.ingestPglite : targets.ingestPostgres
  ensureBuilt()
  // The stand-ins get the load generator's CPU, as in scenario 7; the gateway is not pinned (see the notes).
  const [receiver, upstream] = await startServers([
    ['servers/webhookReceiverServer.ts', { cpu: loadCpu }],
    ['servers/upstreamServer.ts', { args: ['--mode=events', `--size=${storeSize}`], cpu: loadCpu }]
  ])
  if (receiver === undefined || upstream === undefined) throw new Error('the stand-ins did not start')
  const receiverPool = new Pool(receiver.url, { connections: 4 })
  try {
    // The same histogram in this process, idle but for the /health polls: what the machine's load alone costs an event loop.
    const control = monitorEventLoopDelay({ resolution: lagResolutionMs })
    control.enable()
    const started = await startJourneyGateway({
      ...database.env,
      EVENT_SERVICE_URL: upstream.url,
      EMAIL_API_URL: receiver.url,
      JOURNEYS_ENABLED: 'true',
      RATE_LIMIT_MAX: '100000000',
      RATE_LIMIT_WRITE_MAX: '100000000',
      RATE_LIMIT_EVENT_MAX: '100000000',
      RATE_LIMIT_ADMIN_MAX: '100000000'
    })
    control.disable()
    const controlLag: Lag = { p99Ms: Math.max(0, control.percentile(99) / 1e6 - lagResolutionMs), maxMs: Math.max(0, control.max / 1e6 - lagResolutionMs) }
    const { gateway } = started
    try {
      const startLag = await lagSinceLastScrape(gateway.pool)
      for (const flow of benchFlows(receiver.url)) expectStatus(await postJson(gateway.pool, '/api/flows', flow), 201, 'create flow')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const rssIdle = rssOf(gateway.pid)

      const { result, peak } = await peakRss(gateway.pid, async () => {
        const startLatency = await enqueueToStart(gateway.pool, quick ? 30 : 100, 20)
        const waits = await waitLateness(gateway.pool, receiverPool, quick ? 50 : 100, 2000, 1000)
        const burst = await stepBurst(gateway.pool, receiverPool, quick ? 1000 : 3000, 32, 60_000)
        const reads = await readsUnderSteps(gateway, receiverPool, streamStepsPerSec, options.compare, [receiver.pid])
        await lagSinceLastScrape(gateway.pool)
        const ingestBody = JSON.stringify({ id: '[<id>]', name: benchEvents.ingest, userId: 'u-[<id>]' })
        const [ingestRuns] = await alternate([{
          label: 'gateway',
          target: { url: `${gateway.url}/api/trigger-event`, method: 'POST', body: ingestBody, headers: { 'content-type': 'application/json' }, uniqueIds: true, expectStatus: 202 },
          pids: [gateway.pid]
        }], options.compare)
        const ingestLag = await lagSinceLastScrape(gateway.pool)
        if (ingestRuns === undefined) throw new Error('the ingest runs are missing')
        return { startLatency, waits, burst, reads, ingest: summarize(ingestRuns), ingestLag }
      })
      const { startLatency, waits, burst, reads, ingest, ingestLag } = result
      const idleRate = reads.idle.map((run) => run.requestsPerSec)
      const busyRate = reads.busy.map((run) => run.requestsPerSec)
      const rates = (values: readonly number[]): string => values.map(formatRate).join(', ')
      const ingestErrors = ingest.errors + ingest.unexpected
      return {
        title: `10. Journeys on ${label}: ingest, steps, latency, waits, reads under load, start-up, memory`,
        header: ['measure', 'value', 'target', 'result'],
        rows: [
          ['POST /api/trigger-event, one matching flow, unique event ids (100 connections)', `${formatRate(ingest.requestsPerSec)} events/s (p50 ${ms(ingest.p50Ms)}, p99 ${ms(ingest.p99Ms)}${ingestErrors > 0 ? `, ${ingestErrors} errors` : ''})`,
            `≥ ${formatRate(ingestTarget)}/s`, verdict(ingest.requestsPerSec >= ingestTarget && ingestErrors === 0)],
          [`webhook steps end to end: ${burst.runs} one-webhook runs triggered 32 at a time → last webhook received`,
            burst.completed
              ? `${formatRate(burst.stepsPerSec)} steps/s (${ms(burst.totalMs)}; triggers answered at ${formatRate(burst.triggersPerSec)}/s, ` +
                `${burst.stepsWhileTriggering} steps done meanwhile; the rest at ${formatRate(burst.drainPerSec)}/s)` : `not all within 60 s (${formatRate(burst.stepsPerSec)}/s)`,
            `≥ ${targets.stepsPerSec}/s`, verdict(burst.completed && burst.stepsPerSec >= targets.stepsPerSec)],
          ['enqueue → start, idle engine: run started (trigger) → webhook\'s first attempt, p50', spreadText(startLatency), `p50 ≤ ${targets.startP50Ms} ms`, verdict(startLatency.p50 <= targets.startP50Ms)],
          [`wait firing lateness: wait due → next step's first attempt, ${waits.count} waits due over 1 s, p99`, spreadText(waits), `p99 ≤ ${formatMs(targets.waitP99Ms)} ms`, verdict(waits.p99 <= targets.waitP99Ms)],
          [`GET /getEventsByUserId/u10 while ~${streamStepsPerSec} steps/s run ÷ engine idle (ratio, median of rounds)`,
            `${formatRatio(reads.ratio)} (idle ${rates(idleRate)} req/s; busy ${rates(busyRate)} req/s; ${formatRate(reads.stepsPerSec)} steps/s reached${reads.triggersFailed > 0 ? `; ${reads.triggersFailed} triggers failed` : ''})`,
            `≥ ${targets.readRatio}`, verdict(reads.ratio >= targets.readRatio)],
          ['main-thread event-loop delay, spawn → ready (first start on the empty database), p99', ms(startLag.p99Ms), `≤ ${targets.lagP99Ms} ms`, verdict(startLag.p99Ms <= targets.lagP99Ms)],
          ['… max', ms(startLag.maxMs), `≤ ${targets.lagMaxMs} ms`, verdict(startLag.maxMs <= targets.lagMaxMs)],
          ['… the same window in the bench process, idle but for the /health polls (the machine\'s own noise), p99 / max', `${ms(controlLag.p99Ms)} / ${ms(controlLag.maxMs)}`, '—', '—'],
          ['spawn → GET /ready 200 (first start); /health slowest answer meanwhile', `${ms(started.readyMs)}; ${ms(started.healthSlowestMs)} (${started.healthPolls} polls)`, '—', '—'],
          ['main-thread event-loop delay during the ingest runs, p99 / max', `${ms(ingestLag.p99Ms)} / ${ms(ingestLag.maxMs)}`, '—', '—'],
          ['RSS of the gateway process: idle (ready, flows saved) / peak under load', `${formatBytes(rssIdle)} / ${formatBytes(peak)}`, '—', '—']
        ],
        notes: [
          `The compiled gateway (\`node dist/services/index.js\`) with production settings (STEP_CONCURRENCY 16, LOG_LEVEL info, logs discarded), rate limits raised out of reach; ` +
          'not pinned: its engine thread is meant to use the second core. The webhook receiver (bare node:http) and event.com\'s stand-in (11 events: u10\'s 10 and one more) run on CPU 1 with the load generator.',
          'Run order: enqueue → start (one trigger every 20 ms), wait lateness, the step burst, reads idle vs busy (interleaved, after a warm-up run of each), ingest (last: each of its runs waits an hour and stays queued).',
          'Timestamps of runs and attempts are the gateway\'s own (GET /api/runs/:id). Event-loop delay is prom-client\'s histogram from /metrics (monitorEventLoopDelay, 10 ms resolution), shown beyond the 10 ms interval; ' +
          'its first scrape covers buildApp → ready.',
          ...database.kind === 'postgres' ? ['The RSS is the gateway\'s only: PostgreSQL\'s own processes are not counted.'] : []
        ]
      }
    } finally {
      await gateway.stop()
    }
  } finally {
    await receiverPool.close()
    await stopServers([receiver, upstream])
    await database.drop()
  }
}

/** Scenario 10 on the embedded database. */
export async function journeysOnPglite (options: BenchOptions): Promise<Table> {
  return journeysOn(await freshPglite(), options)
}

/** Scenario 10 on PostgreSQL: a database of its own on the local server, dropped afterwards. */
export async function journeysOnPostgres (options: BenchOptions): Promise<Table> {
  return journeysOn(await freshPostgres(), options)
}
