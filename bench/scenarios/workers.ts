import type { BenchOptions } from '../benchOptions.js'
import { benchFlows } from '../journeys/benchFlows.js'
import { expectStatus, postJson } from '../journeys/journeyApi.js'
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

/** One api process (ROLE=api) and `workers` worker processes (ROLE=worker) on a fresh database: the webhook steps' rate, end to end. */
async function burstWith (workers: number, receiverUrl: string, upstreamUrl: string, receiverPool: Pool, runs: number): Promise<StepBurst> {
  const database = await freshPostgres()
  const started: JourneyGateway[] = []
  try {
    const env = { ...common, ...database.env, EVENT_SERVICE_URL: upstreamUrl, EMAIL_API_URL: receiverUrl }
    // The api process first: it migrates the empty database.
    const api = (await startJourneyGateway({ ...env, ROLE: 'api' })).gateway
    started.push(api)
    const workerProcesses = await Promise.all(Array.from({ length: workers }, () => startJourneyGateway({ ...env, ROLE: 'worker' })))
    started.push(...workerProcesses.map((one) => one.gateway))
    for (const flow of benchFlows(receiverUrl)) expectStatus(await postJson(api.pool, '/api/flows', flow), 201, 'create flow')
    return await stepBurst(api.pool, receiverPool, runs, 32, 120_000)
  } finally {
    await Promise.all(started.map((one) => one.stop()))
    await database.drop()
  }
}

/** Scenario 11: journeys' webhook steps per second on PostgreSQL, run by one worker process, then by two, each fed by one api process. */
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
    const bursts: StepBurst[] = []
    for (const workers of workerCounts) bursts.push(await burstWith(workers, receiver.url, upstream.url, receiverPool, runs))
    const [one, two] = bursts
    if (one === undefined || two === undefined) throw new Error('a burst is missing')
    const row = (workers: number, burst: StepBurst): string[] => [
      `${workers} worker process${workers === 1 ? '' : 'es'} (ROLE=worker), 1 api process (ROLE=api)`,
      burst.completed ? `${formatRate(burst.stepsPerSec)} steps/s` : `not all within 120 s (${formatRate(burst.stepsPerSec)}/s)`,
      `${formatMs(burst.totalMs)} ms; triggers answered at ${formatRate(burst.triggersPerSec)}/s, ${burst.stepsWhileTriggering} steps done meanwhile, the rest at ${formatRate(burst.drainPerSec)}/s`
    ]
    return {
      title: `11. Journeys across processes on PostgreSQL 15: ${runs} one-webhook runs, webhook steps per second with 1 and 2 worker processes`,
      header: ['processes', 'webhook steps end to end', 'detail'],
      rows: [
        row(1, one),
        row(2, two),
        ['2 workers ÷ 1 worker', formatRatio(two.stepsPerSec / one.stepsPerSec), '—']
      ],
      notes: [
        'The compiled gateway (`node dist/services/index.js`), STEP_CONCURRENCY 16 per worker process, LOG_LEVEL info (logs discarded), rate limits raised out of reach; a fresh database per row. ' +
        'Triggers go 32 at a time to the api process, which records and enqueues them; the worker processes take the steps from the shared pg-boss queue. ' +
        'Steps per second: runs ÷ (first trigger sent → last webhook received at the receiver).',
        'Every process, the PostgreSQL server, the receiver and the load all share this machine\'s CPUs: a second worker adds step slots and a second engine thread, not a second machine, ' +
        'so the ratio says how far the queue and database let the work spread, not what a second host would add.'
      ]
    }
  } finally {
    await receiverPool.close()
    await stopServers([receiver, upstream])
  }
}
