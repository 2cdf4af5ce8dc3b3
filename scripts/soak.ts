/**
 * Soak: about a minute of mixed reads and writes against the gateway, started in-process on
 * 127.0.0.1, while the mock of event.com flaps between healthy and a fault every couple of
 * seconds. Then it checks what the gateway promised against what event.com holds and prints
 * the counts. Not part of `npm test`: it runs on real time.
 *
 *   npm run soak [-- --seconds 60] [-- --clients 32]
 *   npm run soak -- --cluster       3 api and 2 worker processes on the local Redis and PostgreSQL,
 *                                   with journeys (see scripts/clusterSoak.ts)
 *
 * Exits 1 when an acknowledged write is missing, a failed one shows up, or anything landed twice.
 */
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { buildApp } from '../services/app.js'
import { startMockEventService } from '../mocks/bridge.js'
import type { Scenario } from '../mocks/scenario.js'
import { loadConfig } from '../services/config.js'
import { send, writeWithRetries } from './soakClient.js'
import type { Answer } from './soakClient.js'
import { tallyWrites } from './soakInvariants.js'
import type { Write } from './soakInvariants.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '32' },
    'max-requests': { type: 'string', default: '2000000' },
    cluster: { type: 'boolean', default: false }
  }
})

function positiveInteger (option: string, raw: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`--${option}=${JSON.stringify(raw)} is invalid: expected a positive integer\n`)
    process.exit(2)
  }
  return value
}

const seconds = positiveInteger('seconds', values.seconds)
const clients = positiveInteger('clients', values.clients)
const maxRequests = positiveInteger('max-requests', values['max-requests'])
if (values.cluster) {
  const { runClusterSoak } = await import('./clusterSoak.js')
  process.exit(await runClusterSoak({ seconds, clients }))
}
/** How long each scenario lasts, in milliseconds. */
const phaseMs = 2000
/** Retries still running when the time is up get this long to finish, in milliseconds. */
const graceMs = 10_000
const maxAttempts = 5

// Every fault the mock knows, each followed by a healthy spell so the breaker gets to close again.
// `slow` past the gateway's 1 s timeout makes writes whose outcome is unknown but which do land.
const faults: (() => Scenario)[] = [
  () => ({ name: 'down' }),
  () => ({ name: 'slow', delayMs: 50 }),
  () => ({ name: 'reset' }),
  () => ({ name: 'unavailable', retryAfter: '1' }),
  () => ({ name: 'hanging' }),
  () => ({ name: 'throttled', retryAfter: new Date(Date.now() + 2000).toUTCString() }),
  () => ({ name: 'slow', delayMs: 1500 }),
  () => ({ name: 'original' })
]

const write = (text: string): void => { process.stdout.write(`${text}\n`) }
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
function heapUsed (): number {
  globalThis.gc?.()
  return process.memoryUsage().heapUsed
}

const mock = await startMockEventService({ scenario: { name: 'healthy' } })
const config = loadConfig({
  UPSTREAM_TIMEOUT_MS: '1000',
  BREAKER_BACKOFF_BASE_MS: '250',
  BREAKER_BACKOFF_MAX_MS: '4000',
  RATE_LIMIT_MAX: '0',
  RATE_LIMIT_WRITE_MAX: '0',
  // The in-process soak is the write path's; `--cluster` soaks the journeys too.
  JOURNEYS_ENABLED: 'false'
})
const app = await buildApp({ config: { ...config, gateway: { ...config.gateway, eventServiceUrl: mock.url } }, processMetrics: false })
const gatewayUrl = await app.listen({ host: '127.0.0.1', port: 0 })
await app.hydrator.hydrated
const seedCount = mock.service.state.events.length
const pool = new Pool(gatewayUrl, { connections: clients })

let requests = 0
const answers = new Map<string, number>()
const count = (label: string): void => { answers.set(label, (answers.get(label) ?? 0) + 1) }

async function call (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer | undefined> {
  requests += 1
  const answer = await send(pool, method, path, body, headers)
  if (answer === undefined) count('client: connection failed')
  return answer
}

const startedAt = performance.now()
const deadline = startedAt + seconds * 1000
const running = (): boolean => performance.now() < deadline && requests < maxRequests

let phase = 0
const scenariosSeen = new Map<string, number>()
const flapper = setInterval(() => {
  phase += 1
  const next = phase % 2 === 1 ? faults[((phase - 1) / 2) % faults.length]?.() ?? { name: 'healthy' } : { name: 'healthy' } as const
  scenariosSeen.set(next.name, (scenariosSeen.get(next.name) ?? 0) + 1)
  mock.setScenario(next)
}, phaseMs)

const writes: Write[] = []
let writeSeq = 0
const heapBefore = heapUsed()

async function addEvent (keyed: boolean): Promise<void> {
  const seq = writeSeq++
  const entry: Write = { name: `soak-${seq}`, key: keyed ? `soak-key-${seq}` : undefined, ackId: undefined, outcomes: [] }
  writes.push(entry)
  const body = { name: entry.name, userId: String(1 + (seq % 3)) }
  const headers = entry.key === undefined ? {} : { 'idempotency-key': entry.key }
  await writeWithRetries(entry, { send: () => call('POST', '/addEvent', body, headers), count, giveUpAt: deadline + graceMs, maxAttempts })
}

const readPaths = ['/getUsers', '/getEvents?limit=100', '/getEventsByUserId/1?limit=50', '/getEventsByUserId/2?limit=50', '/health']
let reads = 0
let readFailures = 0

async function client (index: number): Promise<void> {
  let turn = index
  while (running()) {
    turn += 1
    if (turn % 3 === 0) {
      reads += 1
      const answer = await call('GET', readPaths[turn % readPaths.length] ?? '/health')
      if (answer?.status !== 200) readFailures += 1
    } else {
      // Half the writes carry an Idempotency-Key and retry through faults; the rest retry only when that is safe.
      await addEvent(turn % 2 === 0)
    }
  }
}

await Promise.all(Array.from({ length: clients }, (_, index) => client(index)))
clearInterval(flapper)
const elapsedS = (performance.now() - startedAt) / 1000
mock.setScenario({ name: 'healthy' })

// What event.com holds, and what the gateway shows (every page of /getEvents).
const upstream = mock.service.state.events
const shownIds = new Set<string>()
const shownNames = new Set<string>()
for (let path: string | undefined = '/getEvents?limit=10000'; path !== undefined;) {
  const answer = await call('GET', path)
  if (answer?.status !== 200) throw new Error(`GET ${path} answered ${String(answer?.status)}`)
  for (const event of answer.body as { id: string, name: string }[]) {
    shownIds.add(event.id)
    shownNames.add(event.name)
  }
  const link = answer.headers.link
  path = typeof link === 'string' ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined
}
const { acknowledged, failedByOutcome, landedUnknown, violations } = tallyWrites(writes, upstream, seedCount, new Map([['gateway', { ids: shownIds, names: shownNames }]]))

const health = await call('GET', '/health')
const bulkhead = app.writeBulkhead
const idempotencyKeys = await app.idempotencyKeys.count()
const counts = await app.eventStore.counts()
// Measured with everything still up: the gateway's store and keys, and the mock's events, are the expected growth.
const heapAfter = heapUsed()
await pool.close()
await app.close()
await mock.close()

write(`soak: ${elapsedS.toFixed(1)} s, ${clients} clients, gateway ${gatewayUrl}, event.com mock ${mock.url}`)
write(`scenarios (every ${phaseMs / 1000} s): ${[...scenariosSeen].map(([name, n]) => `${name} ×${n}`).join(', ')}`)
write(`requests: ${requests} (${Math.round(requests / elapsedS)}/s); reads ${reads}, of which not 200: ${readFailures}`)
write(`writes: ${writes.length} (${writes.filter((entry) => entry.key !== undefined).length} with an Idempotency-Key), acknowledged ${acknowledged}`)
write(`failed, by the outcome of the last attempt: ${Object.entries(failedByOutcome).map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`)
write(`  of which stored by event.com anyway (outcome unknown, landed): ${landedUnknown}`)
write(`answers to writes: ${[...answers].sort(([, a], [, b]) => b - a).map(([label, n]) => `${label} ${n}`).join(', ')}`)
for (const [what, n] of Object.entries(violations)) write(`${n === 0 ? 'ok  ' : 'FAIL'} ${what}: ${n}`)
write(`gateway at the end: /health ${String(health?.status)}, store ${counts.users} users / ${counts.events} events, event.com ${upstream.length} events, idempotency keys ${idempotencyKeys}, bulkhead ${bulkhead.active} active / ${bulkhead.queued} queued`)
write(`heap used: before the load ${mb(heapBefore)}, after it ${mb(heapAfter)}, gateway and mock still up${globalThis.gc === undefined ? ' (no gc: run with --expose-gc for settled numbers)' : ' (after gc)'}`)
process.exitCode = Object.values(violations).some((n) => n !== 0) || health?.status !== 200 ? 1 : 0
