import { afterAll, beforeAll, expect } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { inProcessEngineClient } from './inProcessEngineClient.js'
import type { Backend } from './journeyDatabases.js'
import { buildTestApp } from './testApp.js'
import type { TestApp, TestAppOptions } from './testApp.js'
import { emailApiUrl, startTestEngine, unique, webhooksUrl } from './testEngine.js'
import type { TestEngine, TestEngineOptions } from './testEngine.js'
import type { EngineClient } from '../../services/journeys/index.js'

/**
 * The journeys API under test: one engine per suite and backend (a database each), shared by a
 * fresh app per test. Tests keep apart by the unique event names and users they make up.
 */
export function sharedEngine (backend: Backend, options: TestEngineOptions = {}): () => TestEngine {
  let engine: TestEngine | undefined
  // An embedded database starts with an initdb: seconds on a busy machine.
  beforeAll(async () => { engine = await startTestEngine(backend, options) }, 60_000)
  afterAll(async () => { await engine?.stop() }, 30_000)
  return () => {
    if (engine === undefined) throw new Error('the engine has not started')
    return engine
  }
}

export type JourneysAppOptions = Omit<TestAppOptions, 'journeys' | 'dashboard'> & {
  /** The engine as the app sees it; default the test engine's in-process client. */
  readonly client?: EngineClient
  readonly adminToken?: string
  /** The dashboard's pages; default the project's own. */
  readonly publicDir?: string
}

/** A gateway with journeys and the dashboard on, over `engine` (on this thread), closed when the test ends; the engine is not. */
export function buildJourneysApp (engine: TestEngine, options: JourneysAppOptions = {}): Promise<TestApp> {
  const { client, config, adminToken, publicDir, ...rest } = options
  return buildTestApp({
    ...rest,
    config: {
      ...config,
      ...(adminToken !== undefined && { http: { ...config?.http, adminToken } }),
      journeys: { journeysEnabled: true, ...config?.journeys }
    },
    journeys: { engine: client ?? inProcessEngineClient(engine), sampleFlows: false, emailApiUrl, webhookBaseUrl: webhooksUrl },
    ...(publicDir !== undefined && { dashboard: { publicDir } })
  })
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** A JSON request to the app, from this machine unless `headers`/`remoteAddress` say otherwise. */
export function call (app: FastifyInstance, method: Method, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) })
  })
}

/** A flow of one zero wait, started by `event`: quick to run to completion. */
export function quickFlow (event: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `quick ${event}`,
    trigger: { event, next: ['pause'] },
    entry: 'always',
    steps: [{ id: 'pause', type: 'wait', duration: 0 }],
    ...fields
  }
}

/** A flow whose run waits a day on its first step: it stays active while the test looks at it. */
export function waitingFlow (event: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `waiting ${event}`,
    trigger: { event, next: ['pause'] },
    entry: 'always',
    steps: [{ id: 'pause', type: 'wait', duration: 'P1D', next: ['after'] }, { id: 'after', type: 'wait', duration: 0 }],
    ...fields
  }
}

/** Saves a flow through the API and returns its id. */
export async function createFlow (app: FastifyInstance, definition: Record<string, unknown>): Promise<string> {
  const response = await call(app, 'POST', '/api/flows', definition)
  expect(response.statusCode, response.body).toBe(201)
  return response.json<{ id: string }>().id
}

export interface TriggerAnswer {
  readonly eventId: string
  readonly runs: readonly { readonly runId: string, readonly flowId: string, readonly flowVersion: number }[]
  readonly skipped: readonly { readonly flowId: string, readonly reason: string }[]
  readonly exited: readonly string[]
}

/** POST /api/trigger-event. */
export function triggerEvent (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return call(app, 'POST', '/api/trigger-event', body, headers)
}

/** The problem body's code, after checking it is a problem. */
export function problemCode (response: LightMyRequestResponse): string | undefined {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  return response.json<{ code?: string }>().code
}

export { unique }

/** A flow whose trigger `event` sends one email to the event's user. */
export function emailFlow (event: string): Record<string, unknown> {
  return {
    name: `email on ${event}`,
    trigger: { event, next: ['hello'] },
    entry: 'always',
    steps: [{ id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hi', text: 'Hello' }]
  }
}
