/**
 * The cluster soak (`npm run soak -- --cluster`): 3 api and 2 worker processes on the local Redis
 * and PostgreSQL (a database and a key prefix of its own, removed afterwards), behind a round-robin
 * client, while the mocks of event.com and of the email provider flap between healthy and a fault.
 * It writes events, reads them and sends trigger events whose flow emails, waits and calls a
 * webhook; then it checks the write invariants on every api instance and the journeys' ones.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Pool } from 'undici'
import { startMocks } from '../mocks/bridge.js'
import type { DeliveryScenario } from '../mocks/deliveryScenario.js'
import type { Scenario } from '../mocks/scenario.js'
import { deleteRedisKeys, ensureBuilt, startCluster } from './clusterProcesses.js'
import { pause, send, writeWithRetries } from './soakClient.js'
import type { Answer } from './soakClient.js'
import { tallyWrites } from './soakInvariants.js'
import type { Write } from './soakInvariants.js'

export interface ClusterSoakOptions {
  readonly seconds: number
  readonly clients: number
  readonly api?: number
  readonly workers?: number
}

/** How long each scenario lasts, in milliseconds. */
const phaseMs = 2000
/** Retries still running when the time is up get this long to finish, in milliseconds. */
const graceMs = 10_000
/** Longest wait for the last runs to finish once the load stops, in milliseconds. */
const drainMs = 90_000
const maxAttempts = 5
const terminal = new Set(['completed', 'failed', 'cancelled', 'exited'])

const eventServiceFaults: (() => Scenario)[] = [
  () => ({ name: 'down' }),
  () => ({ name: 'slow', delayMs: 50 }),
  () => ({ name: 'reset' }),
  () => ({ name: 'unavailable', retryAfter: '1' }),
  () => ({ name: 'slow', delayMs: 1500 }),
  () => ({ name: 'original' })
]
const emailFaults: DeliveryScenario[] = [
  { name: 'down' },
  { name: 'unavailable', retryAfter: '1' },
  { name: 'flaky', failures: 3 },
  { name: 'reset' },
  { name: 'throttled', retryAfter: '1' },
  { name: 'slow', delayMs: 300 }
]

const flow = {
  name: 'Soak journey',
  trigger: { event: 'soak_signup', next: ['hello'] },
  entry: 'once-per-event',
  steps: [
    { id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hello {{user.userName}}', text: 'Event {{event.id}}', retry: { attempts: 20, baseMs: 200, maxMs: 2000 }, next: ['pause'] },
    { id: 'pause', type: 'wait', duration: 'PT1S', next: ['done'] },
    { id: 'done', type: 'webhook', url: '{{webhooks}}/soak/done', body: { user: '{{user.id}}', event: '{{event.id}}' }, retry: { attempts: 20, baseMs: 200, maxMs: 2000 } }
  ]
}

const write = (text: string): void => { process.stdout.write(`${text}\n`) }

/** `count` consecutive free ports on loopback. */
async function consecutivePorts (count: number): Promise<number> {
  const free = (port: number): Promise<boolean> => new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000)
    let ok = true
    for (let port = base; ok && port < base + count; port++) ok = await free(port)
    if (ok) return base
  }
}

export async function runClusterSoak (options: ClusterSoakOptions): Promise<number> {
  const apiCount = options.api ?? 3
  const workerCount = options.workers ?? 2
  const server = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test'
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const suffix = randomBytes(5).toString('hex')
  const keyPrefix = `soak:${suffix}:`
  const databaseName = `gateway_soak_${suffix}`
  const databaseUrl = new URL(server)
  databaseUrl.pathname = `/${databaseName}`
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: server })
    await client.connect()
    try { await client.query(sql) } finally { await client.end() }
  }

  ensureBuilt()
  await admin(`CREATE DATABASE ${databaseName}`)
  const mocks = await startMocks({ scenario: { name: 'healthy' } })
  const seedCount = mocks.service.state.events.length
  const logTail: string[] = []
  const cluster = startCluster({
    api: apiCount,
    workers: workerCount,
    basePort: await consecutivePorts(apiCount + workerCount),
    redisUrl,
    databaseUrl: databaseUrl.href,
    eventServiceUrl: mocks.url,
    emailApiUrl: mocks.emailUrl,
    env: {
      LOG_LEVEL: 'warn',
      REDIS_KEY_PREFIX: keyPrefix,
      UPSTREAM_TIMEOUT_MS: '1000',
      BREAKER_BACKOFF_BASE_MS: '250',
      BREAKER_BACKOFF_MAX_MS: '4000',
      RATE_LIMIT_MAX: '0',
      RATE_LIMIT_WRITE_MAX: '0',
      RATE_LIMIT_EVENT_MAX: '0',
      RATE_LIMIT_ADMIN_MAX: '0',
      STEP_TIMEOUT_MS: '2000',
      STEP_RECOVERY_MS: '10000'
    },
    onLine: (name, line) => {
      logTail.push(`${name} ${line}`)
      if (logTail.length > 50) logTail.shift()
    }
  })

  const pools = cluster.apiUrls.map((url) => new Pool(url, { connections: Math.max(1, Math.ceil(options.clients / apiCount)) }))
  let requests = 0
  let turnOfPool = 0
  const answers = new Map<string, number>()
  const count = (label: string): void => { answers.set(label, (answers.get(label) ?? 0) + 1) }

  async function call (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}, pool?: Pool): Promise<Answer | undefined> {
    requests += 1
    const target = pool ?? pools[turnOfPool++ % pools.length]
    if (target === undefined) throw new Error('no api instance')
    const answer = await send(target, method, path, body, headers)
    if (answer === undefined) count('client: connection failed')
    return answer
  }

  let exitCode = 1
  try {
    await cluster.ready()
    const created = await call('POST', '/api/flows', JSON.parse(JSON.stringify(flow).replace('{{webhooks}}', mocks.webhooksUrl)), {}, pools[0])
    if (created?.status !== 201) throw new Error(`the soak's flow was refused: ${String(created?.status)} ${JSON.stringify(created?.body)}`)
    const flowId = (created.body as { id: string }).id

    const startedAt = performance.now()
    const deadline = startedAt + options.seconds * 1000
    const running = (): boolean => performance.now() < deadline

    let phase = 0
    const scenariosSeen = new Map<string, number>()
    const flapper = setInterval(() => {
      phase += 1
      const faulty = phase % 2 === 1
      const index = (phase - 1) / 2
      const eventService = faulty ? eventServiceFaults[index % eventServiceFaults.length]?.() ?? { name: 'healthy' } : { name: 'healthy' } as const
      const email = faulty ? emailFaults[index % emailFaults.length] ?? { name: 'healthy' } : { name: 'healthy' } as const
      scenariosSeen.set(`event.com ${eventService.name}`, (scenariosSeen.get(`event.com ${eventService.name}`) ?? 0) + 1)
      scenariosSeen.set(`email ${email.name}`, (scenariosSeen.get(`email ${email.name}`) ?? 0) + 1)
      mocks.setScenario(eventService)
      mocks.email.setScenario(email)
    }, phaseMs)

    const writes: Write[] = []
    let writeSeq = 0
    const triggers = new Map<string, { acknowledged: boolean }>()
    let triggerSeq = 0

    const addEvent = async (keyed: boolean): Promise<void> => {
      const seq = writeSeq++
      const entry: Write = { name: `soak-${suffix}-${seq}`, key: keyed ? `soak-key-${suffix}-${seq}` : undefined, ackId: undefined, outcomes: [] }
      writes.push(entry)
      const body = { name: entry.name, userId: String(1 + (seq % 3)) }
      const headers = entry.key === undefined ? {} : { 'idempotency-key': entry.key }
      // Each attempt goes to the next instance: a retry lands elsewhere, as behind a load balancer.
      await writeWithRetries(entry, { send: () => call('POST', '/addEvent', body, headers), count, giveUpAt: deadline + graceMs, maxAttempts })
    }

    const trigger = async (): Promise<void> => {
      const id = `soak-${suffix}-event-${triggerSeq++}`
      const state = { acknowledged: false }
      triggers.set(id, state)
      const body = { id, name: 'soak_signup', userId: String(1 + (triggerSeq % 3)) }
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const answer = await call('POST', '/api/trigger-event', body)
        if (answer?.status === 202 || answer?.status === 200) {
          state.acknowledged = true
          count(`trigger ${answer.status}`)
          return
        }
        count(`trigger ${String(answer?.status ?? 'no answer')}`)
        if (performance.now() > deadline + graceMs) return
        await pause(answer, attempt, deadline + graceMs)
      }
    }

    const readPaths = ['/getUsers', '/getEvents?limit=100', '/getEventsByUserId/1?limit=50', '/getEventsByUserId/2?limit=50', '/health']
    let reads = 0
    let readFailures = 0
    const client = async (index: number): Promise<void> => {
      let turn = index
      while (running()) {
        turn += 1
        if (turn % 4 === 0) {
          reads += 1
          const answer = await call('GET', readPaths[turn % readPaths.length] ?? '/health')
          if (answer?.status !== 200) readFailures += 1
        } else if (turn % 4 === 1) {
          await trigger()
        } else {
          await addEvent(turn % 4 === 2)
        }
      }
    }

    await Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)))
    clearInterval(flapper)
    const elapsedS = (performance.now() - startedAt) / 1000
    mocks.setScenario({ name: 'healthy' })
    mocks.email.setScenario({ name: 'healthy' })

    // The runs: every page, until none is running or waiting (or the drain gives up).
    interface Run { id: string, eventId: string, status: string }
    const listRuns = async (): Promise<Run[]> => {
      const runs: Run[] = []
      for (let path: string | undefined = `/api/runs?flowId=${flowId}&limit=500`; path !== undefined;) {
        const answer = await call('GET', path, undefined, {}, pools[0])
        if (answer?.status !== 200) throw new Error(`GET ${path} answered ${String(answer?.status)}`)
        runs.push(...answer.body as Run[])
        const link = answer.headers.link
        path = typeof link === 'string' ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined
      }
      return runs
    }
    const drainStarted = performance.now()
    let runs = await listRuns()
    while (runs.some((run) => !terminal.has(run.status)) && performance.now() - drainStarted < drainMs) {
      await sleep(500)
      runs = await listRuns()
    }
    const drainS = (performance.now() - drainStarted) / 1000

    // What every api instance shows: every page of /getEvents from each.
    const shown = new Map<string, { ids: Set<string>, names: Set<string> }>()
    for (const [index, pool] of pools.entries()) {
      const ids = new Set<string>()
      const names = new Set<string>()
      for (let path: string | undefined = '/getEvents?limit=10000'; path !== undefined;) {
        const answer = await call('GET', path, undefined, {}, pool)
        if (answer?.status !== 200) throw new Error(`GET ${path} on api-${index + 1} answered ${String(answer?.status)}`)
        for (const event of answer.body as { id: string, name: string }[]) {
          ids.add(event.id)
          names.add(event.name)
        }
        const link = answer.headers.link
        path = typeof link === 'string' ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined
      }
      shown.set(`api-${index + 1}`, { ids, names })
    }
    const tally = tallyWrites(writes, mocks.service.state.events, seedCount, shown)

    // The journeys: one run per acknowledged trigger; each send under its run's key, accepted once.
    const runsByEvent = new Map<string, Run[]>()
    for (const run of runs) runsByEvent.set(run.eventId, [...runsByEvent.get(run.eventId) ?? [], run])
    const acknowledgedTriggers = [...triggers].filter(([, state]) => state.acknowledged)
    const runIds = new Set(runs.map((run) => run.id))
    const emails = mocks.email.received()
    const webhooks = mocks.webhooks.received()
    const emailKeys = Object.entries(emails.keys)
    const webhookKeys = Object.entries(webhooks.keys)
    const completed = runs.filter((run) => run.status === 'completed')
    const journeyViolations: Record<string, number> = {
      'acknowledged trigger events without a run': acknowledgedTriggers.filter(([id]) => !runsByEvent.has(id)).length,
      'trigger events with more than one run': [...runsByEvent.values()].filter((list) => list.length > 1).length,
      'runs of events never sent': runs.filter((run) => !triggers.has(run.eventId)).length,
      'runs stuck (not finished after the drain)': runs.filter((run) => !terminal.has(run.status)).length,
      'emails accepted twice under one key': emailKeys.filter(([, counts]) => counts.sends > 1).length,
      'emails under a key of no run': emailKeys.filter(([key]) => !runIds.has(key.slice(0, key.lastIndexOf(':')))).length,
      'emails without a key': emails.sent.filter((sent) => sent.idempotencyKey === undefined).length,
      'completed runs whose email was not accepted': completed.filter((run) => (emails.keys[`${run.id}:hello`]?.sends ?? 0) === 0).length,
      'completed runs whose webhook never arrived': completed.filter((run) => webhooks.keys[`${run.id}:done`] === undefined).length,
      'webhooks under a key of no run': webhookKeys.filter(([key]) => !runIds.has(key.slice(0, key.lastIndexOf(':')))).length,
      'records dropped by the mocks (counts incomplete)': emails.dropped.keys + emails.dropped.sent + webhooks.dropped.keys
    }
    const statuses = new Map<string, number>()
    for (const run of runs) statuses.set(run.status, (statuses.get(run.status) ?? 0) + 1)

    write(`cluster soak: ${elapsedS.toFixed(1)} s, ${options.clients} clients round-robin over ${apiCount} api processes, ${workerCount} workers; Redis ${new URL(redisUrl).host} (prefix ${keyPrefix}), PostgreSQL ${databaseUrl.host}/${databaseName}`)
    write(`scenarios (every ${phaseMs / 1000} s): ${[...scenariosSeen].map(([name, n]) => `${name} ×${n}`).join(', ')}`)
    write(`requests: ${requests} (${Math.round(requests / elapsedS)}/s); reads ${reads}, of which not 200: ${readFailures}`)
    write(`writes: ${writes.length} (${writes.filter((entry) => entry.key !== undefined).length} with an Idempotency-Key), acknowledged ${tally.acknowledged}`)
    write(`failed, by the outcome of the last attempt: ${Object.entries(tally.failedByOutcome).map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`)
    write(`  of which stored by event.com anyway (outcome unknown, landed): ${tally.landedUnknown}`)
    write(`answers: ${[...answers].sort(([, a], [, b]) => b - a).map(([label, n]) => `${label} ${n}`).join(', ')}`)
    write(`trigger events: ${triggers.size} sent, ${acknowledgedTriggers.length} acknowledged; runs ${runs.length}: ${[...statuses].map(([status, n]) => `${status} ${n}`).join(', ')} (drained in ${drainS.toFixed(1)} s)`)
    write(`email provider: ${emails.requests.length} requests, ${emails.sent.length} accepted, ${emailKeys.length} keys, ${emailKeys.filter(([, counts]) => counts.repeats > 0).length} keys sent again (same key); webhooks: ${webhooks.requests.length} requests, ${webhookKeys.length} keys`)
    const violations = { ...tally.violations, ...journeyViolations }
    for (const [what, n] of Object.entries(violations)) write(`${n === 0 ? 'ok  ' : 'FAIL'} ${what}: ${n}`)
    exitCode = Object.values(violations).some((n) => n !== 0) ? 1 : 0
  } catch (error) {
    write(`cluster soak failed: ${error instanceof Error ? error.message : String(error)}`)
    write('last log lines:')
    for (const line of logTail) write(`  ${line}`)
  } finally {
    await Promise.all(pools.map((pool) => pool.close()))
    await cluster.stop()
    await mocks.close()
    await admin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch(() => undefined)
    await deleteRedisKeys(redisUrl, keyPrefix)
  }
  return exitCode
}
