import type { IncomingHttpHeaders } from 'node:http'
import { request } from 'undici'
import { startMockEventService, type MockEventService, type MockEventServiceOptions } from '../../mocks/bridge.js'

const openMocks = new Set<MockEventService>()

/**
 * A mock on an ephemeral port that answers without waiting and never fails a read at random,
 * unless the options say otherwise. Close it with `closeMocks` in `afterEach`.
 */
export async function startMock (options: MockEventServiceOptions = {}): Promise<MockEventService> {
  const mock = await startMockEventService({
    random: () => 0.5,
    getEventByIdDelayMs: 0,
    addEventFailureDelayMs: 0,
    ...options
  })
  openMocks.add(mock)
  return mock
}

export async function closeMocks (): Promise<void> {
  const mocks = [...openMocks]
  openMocks.clear()
  await Promise.all(mocks.map(mock => mock.close()))
}

export interface JsonReply {
  status: number
  headers: IncomingHttpHeaders
  /** The parsed JSON body; undefined when the body is empty. */
  body: unknown
}

export async function call (mock: MockEventService, path: string, init: { method?: 'GET' | 'POST' | 'PUT', body?: unknown, rawBody?: string } = {}): Promise<JsonReply> {
  const payload = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body))
  const response = await request(`${mock.url}${path}`, {
    method: init.method ?? 'GET',
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    body: payload ?? null
  })
  const text = await response.body.text()
  return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) as unknown }
}

export function addEvent (mock: MockEventService, body: unknown): Promise<JsonReply> {
  return call(mock, '/addEvent', { method: 'POST', body })
}

export type Settled<T> = { ok: true, value: T } | { ok: false, error: unknown }

/** Attaches handlers at once, so a rejection that arrives while the test awaits something else is never unhandled. */
export function settle<T> (promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(value => ({ ok: true, value }), (error: unknown) => ({ ok: false, error }))
}
