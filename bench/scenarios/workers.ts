import type { BenchOptions } from '../benchOptions.js'
import { randomUUID } from 'node:crypto'
import { benchEvents, benchFlows } from '../journeys/benchFlows.js'
import { inBatches, until } from '../journeys/inBatches.js'
import { expectStatus, postJson, receiverCount, resetReceiver, trigger } from '../journeys/journeyApi.js'
import { freshPostgres } from '../journeys/journeyDatabase.js'
import { ensureBuilt, startJourneyGateway } from '../journeys/journeyGateway.js'
import type { JourneyGateway } from '../journeys/journeyGateway.js'
import { stepBurst } from '../journeys/stepThroughput.js'
import type { StepBurst } from '../journeys/stepThroughput.js'
import { loadCpu, startServers, stopServers } from '../serverProcess.js'
import { Pool } from 'undici'
import type { Table } from '../table.js'
import { formatMs, formatRate, formatRatio } from '../table.js'

const workerCounts = [1, 2] as const

const common = {
  JOURNEYS_ENABLED: 'true',
  RATE_LIMIT_MAX: '100000000',
  RATE_LIMIT_WRITE_MAX: '100000000',
  RATE_LIMIT_EVENT_MAX: '100000000',
  RATE_LIMIT_ADMIN_MAX: '100000000'
}

interface Measured {
  /** A backlog of one-webhook runs queued before the workers start, drained: from every worker ready to the last webhook, the workers' own rate. */
  readonly drainPerSec: number
  readonly drainCompleted: boolean
  /** Then triggers and steps overlapping, as in production. */
  readonly burst: StepBurst
}

/** One api process (ROLE=api) and `workers` worker processes (ROLE=worker) on a fresh database. */
async function measureWith (workers: number, receiverUrl: string, upstreamUrl: string, receiverPool: Pool, runs: number): Promise<Measured> {
  const database = await freshPostgres()
  const started: JourneyGateway[] = []
  try {
    const env = { ...common, ...database.env, EVENT_SERVICE_URL: upstreamUrl, EMAIL_API_URL: receiverUrl }
    // The api process first: it migrates the empty database.
    const api = (await startJourneyGateway({ ...env, ROLE: 'api' })).gateway
    started.push(api)
    for (const flow of benchFlows(receiverUrl)) expectStatus(await postJson(api.pool, '/api/flows', flow), 201, 'create flow')
    await resetReceiver(receiverPool)
    const backlog = 2 * runs
    await inBatches(backlog, 32, (index) => trigger(api.pool, { id: randomUUID(), name: benchEvents.webhook, userId: `backlog-${index}` }))
    const workerProcesses = await Promise.all(Array.from({ length: workers }, () => startJourneyGateway({ ...env, ROLE: 'worker' })))
    started.push(...workerProcesses.map((one) => one.gateway))
    // Counted from the moment every worker is ready: a worker's start-up is not its rate.
    const atReady = await receiverCount(receiverPool)
    const readyAt = Date.now()
    const drainCompleted = await until(async () => (await receiverCount(receiverPool)).count >= backlog, 120_000, 20)
    const drained = await receiverCount(receiverPool)
    const drainPerSec = (drained.count - atReady.count) / (Math.max(1, drained.lastAt - readyAt) / 1000)
    const burst = await stepBurst(api.pool, receiverPool, runs, 32, 120_000)
    return { drainPerSec, drainCompleted, burst }
  } finally {
    await Promise.all(started.map((one) => one.stop()))
    await database.drop()
  }
}

/** Scenario 12: journeys' webhook steps per second on PostgreSQL, run by one worker process, then by two, each fed by one api process. */
export async function workerScaling (options: BenchOptions): Promise<Table> {
  ensureBuilt()
  const runs = options.quick ? 1000 : 3000
  const [receiver, upstream] = await startServers([
    ['servers/webhookReceiverServer.ts', { cpu: loadCpu }],
    ['servers/upstreamServer.ts', { args: ['--mode=events', '--size=11'], cpu: loadCpu }]
  ])
  if (receiver === undefined || upstream === undefined) throw new Error('the stand-ins did not start')
  const receiverPool = new Pool(receiver.url, { connections: 4 })
  try {
    const measured: Measured[] = []
    for (const workers of workerCounts) measured.push(await measureWith(workers, receiver.url, upstream.url, receiverPool, runs))
    const [one, two] = measured
    if (one === undefined || two === undefined) throw new Error('a measurement is missing')
    const row = (workers: number, { drainPerSec, drainCompleted, burst }: Measured): string[] => [
      `${workers} worker process${workers === 1 ? '' : 'es'} (ROLE=worker), 1 api process (ROLE=api)`,
      drainCompleted ? `${formatRate(drainPerSec)} steps/s` : `not all within 120 s (${formatRate(drainPerSec)}/s)`,
      burst.completed ? `${formatRate(burst.stepsPerSec)} steps/s` : `not all within 120 s (${formatRate(burst.stepsPerSec)}/s)`,
      `${formatMs(burst.totalMs)} ms; triggers answered at ${formatRate(burst.triggersPerSec)}/s, ${burst.stepsWhileTriggering} steps done meanwhile, the rest at ${formatRate(burst.drainPerSec)}/s`
    ]
    return {
      title: `12. Journeys across processes on PostgreSQL 15: ${runs} one-webhook runs, webhook steps per second with 1 and 2 worker processes`,
      header: ['processes', 'queued backlog drained by the workers', 'end to end (triggers and steps overlapping)', 'end to end, detail'],
      rows: [
        row(1, one),
        row(2, two),
        ['2 workers ÷ 1 worker', formatRatio(two.drainPerSec / one.drainPerSec), formatRatio(two.burst.stepsPerSec / one.burst.stepsPerSec), '—']
      ],
      notes: [
        'The compiled gateway (`node dist/services/index.js`), STEP_CONCURRENCY 16 per worker process, LOG_LEVEL info (logs discarded), rate limits raised out of reach; a fresh database per row. ' +
        'Triggers go 32 at a time to the api process, which records and enqueues them; the worker processes take the steps from the shared pg-boss queue. ' +
        'Backlog: twice as many runs triggered before the workers start, then drained: webhooks received after every worker answered /ready ÷ (that moment → last webhook). ' +
        'End to end, on the same processes afterwards: runs ÷ (first trigger sent → last webhook received), which the api process\'s trigger rate bounds.',
        'Every process, the PostgreSQL server, the receiver and the load all share this machine\'s CPUs: a second worker adds step slots and a second engine thread, not a second machine, ' +
        'so the ratio says how far the queue and database let the work spread, not what a second host would add.'
      ]
    }
  } finally {
    await receiverPool.close()
    await stopServers([receiver, upstream])
  }
}
