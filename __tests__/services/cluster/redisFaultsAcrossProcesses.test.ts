import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { request } from 'undici'
import { startMocks } from '../../../mocks/bridge.js'
import type { RunningMocks } from '../../../mocks/bridge.js'
import { eventually } from '../../helpers/eventually.js'
import { startGatewayProcess } from '../../helpers/gatewayProcess.js'
import { slowProxy, startOwnRedis } from '../../helpers/redisServers.js'

/**
 * Gateway processes sharing a Redis of the test's own, as a deployment runs them, while that Redis
 * counts their rate limits, goes away, comes back empty, or turns slow: what each part does then is
 * the README's deployment table.
 */

let mocks: RunningMocks
beforeAll(async () => {
  mocks = await startMocks({ scenario: { name: 'healthy' }, readFailureRate: 0, addEventFailureDelayMs: 0, getEventByIdDelayMs: 0 })
})
afterAll(async () => { await mocks.close() })

async function gateways (redisUrl: string, env: Record<string, string> = {}): Promise<[string, string]> {
  const started = [0, 1].map(() => startGatewayProcess({
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: 'faults:',
    // Above what a loaded machine adds to a healthy Redis, below the slow one's delay.
    REDIS_TIMEOUT_MS: '150',
    EVENT_SERVICE_URL: mocks.url,
    JOURNEYS_ENABLED: 'false',
    PORT: '0',
    ...env
  }))
  for (const one of started) onTestFinished(async () => { await one.kill('SIGKILL') })
  const [a, b] = await Promise.all(started.map((one) => one.ready()))
  if (a === undefined || b === undefined) throw new Error('the gateways did not start')
  return [a, b]
}

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: { id?: string, code?: string, outcome?: string } & { id: string }[], ms: number }

async function call (url: string, method: 'GET' | 'POST' = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now()
  const response = await request(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) })
  })
  const text = await response.body.text()
  return { status: response.statusCode, headers: response.headers, body: (text === '' ? {} : JSON.parse(text)) as Answer['body'], ms: performance.now() - started }
}

const readUser = (url: string): Promise<Answer> => call(`${url}/getEventsByUserId/2?limit=1000`)
const idsOf = (answer: Answer): string[] => answer.body.map((event) => event.id)
const storedByEventCom = (name: string): number => mocks.service.state.events.filter((event) => event.name === name).length

describe('gateway processes on one Redis', { timeout: 120_000 }, () => {
  it('count a client\'s rate limit across instances', async () => {
    const redis = await startOwnRedis()
    onTestFinished(redis.kill)
    const [a, b] = await gateways(redis.url, { RATE_LIMIT_MAX: '6' })
    const answers: Answer[] = []
    for (let index = 0; index < 8; index++) answers.push(await readUser(index % 2 === 0 ? a : b))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 429, 429])
    // One counter for both: what is left falls by one per request, whichever instance answers.
    expect(answers.slice(0, 6).map((answer) => answer.headers.ratelimit)).toEqual([5, 4, 3, 2, 1, 0].map((left) => `"reads";r=${left};t=60`))
    expect(answers[7]?.body.code).toBe('GW_ERR_RATE_LIMITED')
  })

  it('while Redis is away: serve reads marked stale, refuse keyed writes unsent, acknowledge others; once it is back empty, rebuild and show them everywhere', async () => {
    const redis = await startOwnRedis()
    onTestFinished(redis.kill)
    const [a, b] = await gateways(redis.url, { RATE_LIMIT_MAX: '1000' })
    const before = await call(`${a}/addEvent`, 'POST', { name: 'before the outage', userId: '2' })
    expect(before.status).toBe(201)
    expect(idsOf(await readUser(b))).toContain(before.body.id)

    await redis.kill()
    const keyed = await call(`${a}/addEvent`, 'POST', { name: 'keyed in the outage', userId: '2' }, { 'idempotency-key': 'outage-key' })
    expect(keyed.status).toBe(503)
    expect(keyed.body).toMatchObject({ code: 'GW_ERR_SHARED_STATE_UNAVAILABLE', outcome: 'not-forwarded' })
    expect(keyed.headers['retry-after']).toBe('1')
    expect(storedByEventCom('keyed in the outage')).toBe(0)

    const unkeyed = await call(`${a}/addEvent`, 'POST', { name: 'unkeyed in the outage', userId: '2' })
    expect(unkeyed.status).toBe(201)
    const onA = await readUser(a)
    expect(onA.status).toBe(200)
    expect(onA.headers['read-consistency']).toBe('stale')
    expect(idsOf(onA)).toContain(unkeyed.body.id)
    // Nothing hangs on the missing Redis: generous for a loaded machine, far below a hang.
    expect(onA.ms).toBeLessThan(3000)
    const onB = await readUser(b)
    expect(onB.status).toBe(200)
    expect(onB.headers['read-consistency']).toBe('stale')
    // The rate limit let these through uncounted, and said so.
    const exposition = await (await request(`${a}/metrics`)).body.text()
    expect(Number(/^rate_limit_store_errors_total\{policy="reads"\} (\d+)/m.exec(exposition)?.[1] ?? 0)).toBeGreaterThan(0)

    // Back, empty: the instances rebuild the shared state from event.com and A's outbox.
    await redis.start()
    const fresh = await eventually('B shows the write A acknowledged during the outage, fresh', async () => {
      const answer = await readUser(b)
      return answer.headers['read-consistency'] === undefined && idsOf(answer).includes(unkeyed.body.id ?? '') ? answer : undefined
    }, 60_000, 200)
    expect(idsOf(fresh)).toContain(before.body.id)
    expect(storedByEventCom('unkeyed in the outage')).toBe(1)

    // Keys are checked again, without a restart: a retry of the refused write on the other instance is sent once.
    const retried = await eventually('a keyed write is accepted again', async () => {
      const answer = await call(`${b}/addEvent`, 'POST', { name: 'keyed in the outage', userId: '2' }, { 'idempotency-key': 'outage-key' })
      return answer.status === 201 ? answer : undefined
    }, 30_000, 200)
    const replay = await call(`${a}/addEvent`, 'POST', { name: 'keyed in the outage', userId: '2' }, { 'idempotency-key': 'outage-key' })
    expect(replay.headers['idempotent-replayed']).toBe('true')
    expect(replay.body.id).toBe(retried.body.id)
    expect(storedByEventCom('keyed in the outage')).toBe(1)
  })

  it('while Redis is slow: answer within about its deadline, reads stale and keyed writes refused; then fresh again', async () => {
    const redis = await startOwnRedis()
    onTestFinished(redis.kill)
    const proxy = await slowProxy(redis.port)
    onTestFinished(proxy.close)
    const [a, b] = await gateways(proxy.url, { RATE_LIMIT_MAX: '1000' })

    proxy.delayMs = 400
    const keyed = await call(`${a}/addEvent`, 'POST', { name: 'keyed while slow', userId: '2' }, { 'idempotency-key': 'slow-key' })
    expect(keyed.status).toBe(503)
    expect(keyed.body).toMatchObject({ code: 'GW_ERR_SHARED_STATE_UNAVAILABLE', outcome: 'not-forwarded' })
    expect(storedByEventCom('keyed while slow')).toBe(0)
    const unkeyed = await call(`${a}/addEvent`, 'POST', { name: 'unkeyed while slow', userId: '2' })
    expect(unkeyed.status).toBe(201)
    const onB = await readUser(b)
    expect(onB.status).toBe(200)
    expect(onB.headers['read-consistency']).toBe('stale')
    expect(onB.ms).toBeLessThan(3000)

    proxy.delayMs = 0
    await eventually('B shows A\'s write, fresh', async () => {
      const answer = await readUser(b)
      return answer.headers['read-consistency'] === undefined && idsOf(answer).includes(unkeyed.body.id ?? '') ? true : undefined
    }, 30_000, 100)
  })
})
