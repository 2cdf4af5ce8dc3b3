import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp } from './testApp.js'
import type { TestApp, TestAppOptions } from './testApp.js'
import { inProcessEngineClient } from './inProcessEngineClient.js'
import { emailApiUrl } from './testEngine.js'
import type { TestEngine } from './testEngine.js'

export interface JourneysAppOptions {
  readonly adminToken?: string
  /** The dashboard's pages; default the project's own. */
  readonly publicDir?: string
  readonly clock?: TestAppOptions['clock']
}

/** A gateway with journeys and the dashboard on, over a test's engine on this thread (closed with the test; the engine is not). */
export function buildJourneysApp (engine: TestEngine, options: JourneysAppOptions = {}): Promise<TestApp> {
  return buildTestApp({
    config: { http: { adminToken: options.adminToken }, journeys: { journeysEnabled: true } },
    journeys: { engine: inProcessEngineClient(engine), emailApiUrl, sampleFlows: false },
    ...(options.publicDir !== undefined && { dashboard: { publicDir: options.publicDir } }),
    ...(options.clock !== undefined && { clock: options.clock })
  })
}

/** A JSON request from this machine. */
export function json (app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { payload: JSON.stringify(body) })
  })
}

/** A flow whose trigger `event` sends one email to the event's user. */
export function emailFlow (event: string): Record<string, unknown> {
  return {
    name: `email on ${event}`,
    trigger: { event, next: ['hello'] },
    entry: 'always',
    steps: [{ id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hi', text: 'Hello' }]
  }
}
