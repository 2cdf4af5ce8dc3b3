import { describe, expect, it, onTestFinished } from 'vitest'
import { request } from 'undici'
import { startMocks } from '../../../../mocks/bridge.js'
import type { RunningMocks } from '../../../../mocks/bridge.js'
import { eventually } from '../../../helpers/eventually.js'
import { startGatewayProcess } from '../../../helpers/gatewayProcess.js'
import type { GatewayProcess } from '../../../helpers/gatewayProcess.js'
import { startOwnRedis } from '../../../helpers/redisServers.js'

const upstreamTimeoutMs = 500

async function addEvent (url: string, body: unknown, idempotencyKey: string): Promise<{ status: number, body: { id?: string, code?: string } }> {
  const response = await request(`${url}/addEvent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body)
  })
  return { status: response.statusCode, body: await response.body.json() as { id?: string, code?: string } }
}

/**
 * Two gateway processes sharing a redis-server of the test's own, in front of one event.com: the
 * deployment the shared Idempotency-Keys are for.
 */
interface Deployment {
  readonly mocks: RunningMocks
  readonly a: GatewayProcess
  readonly urlA: string
  readonly urlB: string
}

async function twoGatewayProcesses (): Promise<Deployment> {
  const redis = await startOwnRedis()
  onTestFinished(redis.kill)
  const mocks = await startMocks({ scenario: { name: 'healthy' }, readFailureRate: 0, getEventByIdDelayMs: 0 })
  onTestFinished(mocks.close)
  const env = {
    PORT: '0',
    EVENT_SERVICE_URL: mocks.url,
    REDIS_URL: redis.url,
    // Generous for a machine under load: these tests are about who sends what, not about speed.
    REDIS_TIMEOUT_MS: '1000',
    UPSTREAM_TIMEOUT_MS: String(upstreamTimeoutMs),
    JOURNEYS_ENABLED: 'false',
    RATE_LIMIT_WRITE_MAX: '0'
  }
  const a = startGatewayProcess(env)
  onTestFinished(async () => { await a.kill('SIGKILL') })
  const b = startGatewayProcess(env)
  onTestFinished(async () => { await b.kill('SIGKILL') })
  const [urlA, urlB] = await Promise.all([a.ready(), b.ready()])
  return { mocks, a, urlA, urlB }
}

/** Retries on `url` with the key until a 201, as a client does; every answer before it must be a 409. */
async function retryUntilAccepted (url: string, body: unknown, key: string): Promise<{ status: number, body: { id?: string } }> {
  const statuses: number[] = []
  const accepted = await eventually('the retry is accepted', async () => {
    const answer = await addEvent(url, body, key)
    statuses.push(answer.status)
    return answer.status === 201 ? answer : undefined
  }, 30_000, 100)
  expect(statuses.slice(0, -1).filter((status) => status !== 409)).toEqual([])
  return accepted
}

/** Two gateway processes sharing a redis-server of the test's own, in front of one event.com: the deployment the shared Idempotency-Keys are for. */
describe('two gateway processes sharing Redis', () => {
  it('a write that timed out on A, retried on B with the same key, is stored once', { timeout: 120_000 }, async () => {
    const { mocks, urlA, urlB } = await twoGatewayProcesses()
    // event.com stores the write after A gave up on it, within one upstream timeout.
    mocks.setScenario({ name: 'slow', delayMs: upstreamTimeoutMs + 300 })
    const body = { name: `timed out on A ${String(Date.now())}`, userId: '1' }
    const timedOut = await addEvent(urlA, body, 'process-k')
    expect(timedOut.status).toBe(504)
    mocks.setScenario({ name: 'healthy' })
    await eventually('event.com stored the write A gave up on', () => storedWithName(mocks, body.name).length > 0 ? true : undefined, 10_000)

    // B holds the retry off while event.com may still act on A's attempt, then asks event.com first.
    const accepted = await retryUntilAccepted(urlB, body, 'process-k')
    // B found A's event: it answers with its id and did not send it again.
    expect(storedWithName(mocks, body.name)).toEqual([accepted.body.id])
    // A, asked again, replays B's answer.
    expect(await addEvent(urlA, body, 'process-k')).toEqual(accepted)
  })

  it('a write in flight on A when A is killed holds its key only until the lease lapses; B then writes it once', { timeout: 120_000 }, async () => {
    const { mocks, a, urlB } = await twoGatewayProcesses()
    mocks.setScenario({ name: 'hanging' })
    const body = { name: `killed on A ${String(Date.now())}`, userId: '1' }
    const written = addEvent(await a.listening, body, 'killed-k').catch(() => undefined)
    await eventually('A sent the write', () => mocks.inFlight > 0 ? true : undefined, 10_000)
    await a.kill('SIGKILL')
    await written
    mocks.setScenario({ name: 'healthy' })

    // 409 while A's lease runs (5 upstream timeouts with these settings), then the write with A's reserved id.
    const accepted = await retryUntilAccepted(urlB, body, 'killed-k')
    expect(storedWithName(mocks, body.name)).toEqual([accepted.body.id])
    expect((await addEvent(urlB, body, 'killed-k')).body).toEqual(accepted.body)
  })
})

function storedWithName (mocks: RunningMocks, name: string): string[] {
  return mocks.service.state.events.filter((event) => event.name === name).map((event) => String(event.id))
}
