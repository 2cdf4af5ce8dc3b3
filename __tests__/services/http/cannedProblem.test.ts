import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { GatewayError, RetryableError } from '../../../services/http/errors.js'
import type { ErrorCode } from '../../../services/http/errors.js'
import { cannedProblem } from '../../../services/http/problem.js'
import { loggedHttpApp } from '../../helpers/loggedHttpApp.js'
import type { LogLine } from '../../helpers/loggedHttpApp.js'

const detail = 'Writes are "paused" \\ for now \u2028'

/** One route answers `code` by throwing it through the error handler, the other with its canned problem from a hook. */
function buildApp (code: ErrorCode, reportsOutcome: boolean, retryAfterMs?: number): { app: FastifyInstance, lines: LogLine[] } {
  const { app, lines } = loggedHttpApp()
  const canned = cannedProblem(code, detail, reportsOutcome)
  void app.register((routes, _options, done) => {
    routes.post('/thrown', { config: { reportsOutcome } }, () => {
      throw retryAfterMs === undefined ? new GatewayError(code, detail) : new RetryableError(code, detail, retryAfterMs)
    })
    routes.post('/canned', {
      config: { reportsOutcome },
      onRequest: (_request, reply) => { canned.send(reply, retryAfterMs) }
    }, () => 'never reached')
    done()
  })
  return { app, lines }
}

describe('cannedProblem', () => {
  it.each([
    ['GW_ERR_BREAKER_OPEN', true, 1500],
    ['GW_ERR_BREAKER_OPEN', false, 60_000],
    ['GW_ERR_STORE_NOT_READY', true, 1000],
    ['GW_ERR_STORE_NOT_READY', false, undefined],
    ['GW_ERR_USER_NOT_FOUND', false, undefined]
  ] as const)('answers %s (reports outcome: %s, Retry-After from %s ms) byte for byte as the error handler does', async (code, reportsOutcome, retryAfterMs) => {
    const { app, lines } = buildApp(code, reportsOutcome, retryAfterMs)
    const request = { method: 'POST' as const, headers: { 'content-type': 'application/json', 'x-request-id': 'same-id' }, payload: '{}' }
    const thrown = await app.inject({ ...request, url: '/thrown' })
    const canned = await app.inject({ ...request, url: '/canned' })

    expect(canned.statusCode).toBe(thrown.statusCode)
    expect(canned.body).toBe(thrown.body)
    for (const header of ['content-type', 'content-length', 'retry-after', 'x-request-id']) {
      expect(canned.headers[header], header).toBe(thrown.headers[header])
    }
    expect(canned.json()).toMatchObject({ code, detail, requestId: 'same-id' })
    // Logged as the error handler logs a refusal.
    const rejected = lines.filter((line) => line.msg === 'request rejected')
    expect(rejected).toEqual([
      expect.objectContaining({ reqId: 'same-id', code, detail }),
      expect.objectContaining({ reqId: 'same-id', code, detail })
    ])
  })

  it('carries each request\'s own id', async () => {
    const { app } = buildApp('GW_ERR_BREAKER_OPEN', true, 1000)
    const ids = []
    for (const id of ['first', undefined, 'third']) {
      const response = await app.inject({ method: 'POST', url: '/canned', headers: id === undefined ? {} : { 'x-request-id': id } })
      expect(response.json<{ requestId: string }>().requestId).toBe(response.headers['x-request-id'])
      ids.push(response.headers['x-request-id'])
    }
    expect(new Set(ids).size).toBe(3)
  })
})
