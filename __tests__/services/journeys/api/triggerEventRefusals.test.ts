import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { inProcessEngineClient } from '../../../helpers/inProcessEngineClient.js'
import { backends, createPostgresDatabase } from '../../../helpers/journeyDatabases.js'
import type { Backend } from '../../../helpers/journeyDatabases.js'
import { startTestEngine } from '../../../helpers/testEngine.js'
import type { TestEngineOptions } from '../../../helpers/testEngine.js'
import { EngineUnavailableError } from '../../../../services/journeys/engineClient.js'
import type { EngineClient } from '../../../../services/journeys/index.js'
import { expectDocumented } from './documentedResponse.js'
import { buildJourneysApp, call, createFlow, problemCode, quickFlow, sharedEngine, triggerEvent, unique } from '../../../helpers/journeysApp.js'

const path = '/api/trigger-event'

/** A database that outlives one engine, so a second can look at what the first left. */
async function lastingDatabase (backend: Backend): Promise<TestEngineOptions> {
  if (backend === 'postgres') {
    const created = await createPostgresDatabase()
    onTestFinished(created.drop)
    return { databaseUrl: created.url }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'journeys-api-'))
  onTestFinished(() => { rmSync(dataDir, { recursive: true, force: true }) })
  return { dataDir }
}

/** The client of an engine that is still starting: every call refused, as the worker's client does. */
function startingClient (base: EngineClient): EngineClient {
  const refuse = (): Promise<never> => Promise.reject(new EngineUnavailableError('starting'))
  return { ...base, state: 'starting', eventNames: undefined, triggerEvent: refuse, getEvent: refuse, createFlow: refuse }
}

describe.each(backends)('POST /api/trigger-event refused on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('answers 503 with Retry-After while the engine is not ready', async () => {
    const { app } = await buildJourneysApp(engine(), { client: startingClient(inProcessEngineClient(engine())) })
    const response = await triggerEvent(app, { name: 'x', userId: '1' })
    expect(response.statusCode).toBe(503)
    expect(problemCode(response)).toBe('GW_ERR_JOURNEYS_UNAVAILABLE')
    expect(response.headers['retry-after']).toBe('2')
    expectDocumented(app, 'POST', path, response)
  })

  it('answers 503 with Retry-After when the database fails, and nothing is recorded', async () => {
    const storage = await lastingDatabase(backend)
    const first = await startTestEngine(backend, storage)
    const { app } = await buildJourneysApp(first)
    const name = unique('db-down')
    await createFlow(app, quickFlow(name))
    await first.stop({ keep: true })

    const id = randomUUID()
    const response = await triggerEvent(app, { id, name, userId: '1' })
    expect(response.statusCode).toBe(503)
    expect(problemCode(response)).toBe('GW_ERR_JOURNEYS_UNAVAILABLE')
    expect(response.headers['retry-after']).toBe('2')
    expectDocumented(app, 'POST', path, response)

    const second = await startTestEngine(backend, storage)
    onTestFinished(() => second.stop({ keep: true }))
    await expect(second.engine.getEvent(id)).rejects.toMatchObject({ name: 'EventNotFoundError' })
    expect((await second.engine.listRuns({ userId: '1', limit: 10 })).items).toEqual([])
  })

  it('answers 429 with Retry-After once the client is over RATE_LIMIT_EVENT_MAX, and records nothing more', async () => {
    const { app } = await buildJourneysApp(engine(), { config: { http: { rateLimitEventMax: 2 } } })
    const name = unique('limited')
    const flowId = await createFlow(app, quickFlow(name))
    expect((await triggerEvent(app, { name, userId: '1' })).statusCode).toBe(202)
    expect((await triggerEvent(app, { name, userId: '1' })).statusCode).toBe(202)
    const id = randomUUID()
    const response = await triggerEvent(app, { id, name, userId: '1' })
    expect(response.statusCode).toBe(429)
    expect(problemCode(response)).toBe('GW_ERR_RATE_LIMITED')
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0)
    expect(response.headers.ratelimit).toMatch(/^"events";r=0;t=\d+$/)
    expectDocumented(app, 'POST', path, response)
    expect((await call(app, 'GET', `/api/events/${id}`)).statusCode).toBe(404)
    expect((await call(app, 'GET', `/api/runs?flowId=${flowId}`)).json<unknown[]>()).toHaveLength(2)
  })
})
