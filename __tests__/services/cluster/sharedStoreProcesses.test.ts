import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { request } from 'undici'
import { startMocks } from '../../../mocks/bridge.js'
import type { RunningMocks } from '../../../mocks/bridge.js'
import { startGatewayProcess } from '../../helpers/gatewayProcess.js'
import type { GatewayProcess } from '../../helpers/gatewayProcess.js'
import { startOwnRedis } from '../../helpers/redisServers.js'
import type { OwnRedis } from '../../helpers/redisServers.js'

/** Two gateway processes behind one Redis of the test's own and one mock event.com, as a deployment runs them. */

let mocks: RunningMocks
let own: OwnRedis
beforeAll(async () => {
  mocks = await startMocks({ scenario: { name: 'healthy' }, readFailureRate: 0, addEventFailureDelayMs: 0, getEventByIdDelayMs: 0 })
  own = await startOwnRedis()
})
afterAll(async () => {
  await mocks.close()
  await own.kill()
})

function gateway (keyPrefix: string): GatewayProcess {
  const process = startGatewayProcess({
    REDIS_URL: own.url,
    REDIS_KEY_PREFIX: keyPrefix,
    // Generous: other suites load the machine.
    REDIS_TIMEOUT_MS: '500',
    EVENT_SERVICE_URL: mocks.url,
    JOURNEYS_ENABLED: 'false',
    PORT: '0',
    HOST: '127.0.0.1'
  })
  onTestFinished(async () => { await process.kill('SIGKILL') })
  return process
}

async function write (url: string, name: string): Promise<{ status: number, id?: string }> {
  const response = await request(`${url}/addEvent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, userId: '2' }) })
  const body = await response.body.json() as { id?: string }
  return response.statusCode === 201 && body.id !== undefined ? { status: 201, id: body.id } : { status: response.statusCode }
}

async function eventIds (url: string, userId: string): Promise<{ ids: string[], consistency: string | undefined }> {
  const response = await request(`${url}/getEventsByUserId/${userId}?limit=1000`)
  expect(response.statusCode).toBe(200)
  const events = await response.body.json() as { id: string }[]
  const consistency = response.headers['read-consistency']
  return { ids: events.map((event) => event.id), consistency: typeof consistency === 'string' ? consistency : undefined }
}

describe('gateway processes sharing a Redis', { timeout: 120_000 }, () => {
  it('read on one process what was written on the other, and keep every acknowledged event after one is killed', async () => {
    const a = gateway('proc-a:')
    const b = gateway('proc-a:')
    const [urlA, urlB] = await Promise.all([a.ready(), b.ready()])

    const first = await write(urlA, 'first')
    expect(first.status).toBe(201)
    expect(await eventIds(urlB, '2')).toEqual({ ids: ['3', first.id], consistency: undefined })

    // Writes in flight on A when it is killed: the ones it acknowledged must all be on B.
    const acknowledged: string[] = []
    let stop = false
    const writers = Array.from({ length: 4 }, async (_, writer) => {
      for (let index = 0; !stop; index++) {
        const outcome = await write(urlA, `burst-${writer}-${index}`).catch(() => ({ status: 0, id: undefined }))
        if (outcome.id !== undefined) acknowledged.push(outcome.id)
        if (acknowledged.length >= 40) stop = true
      }
    })
    while (acknowledged.length < 40) await new Promise((resolve) => { setTimeout(resolve, 5) })
    await a.kill('SIGKILL')
    stop = true
    await Promise.all(writers)

    const read = await eventIds(urlB, '2')
    expect(read.consistency).toBeUndefined()
    expect(acknowledged.length).toBeGreaterThanOrEqual(40)
    for (const id of acknowledged) expect(read.ids).toContain(id)
    expect(read.ids).toContain(first.id)
  })
})
