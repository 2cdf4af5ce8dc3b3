import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { buildJourneysApp, call, emailFlow } from '../../../helpers/journeysApp.js'
import { startTestEngine, unique } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

interface AnalyticsBody {
  from: string
  to: string
  bucket: string
  events: { bucket: string, name: string, count: number }[]
  runs: { byStatus: Record<string, number> }
  flows: { flowId: string, name?: string, started: number, completed: number, failed: number, exited: number, completionRate: number }[]
  steps: { type: string, ok: number, failed: number, p50Ms?: number, p95Ms?: number }[]
  stepsOverTime: { bucket: string, ok: number, failed: number }[]
}

describe.each(backends)('GET /api/analytics on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  it('counts the events, runs and step attempts of the last hour by default', async () => {
    const { app } = await buildJourneysApp(t)
    const trigger = unique('signup')
    const created = await call(app, 'POST', '/api/flows', emailFlow(trigger))
    expect(created.statusCode).toBe(201)
    const flowId = created.json<{ id: string }>().id
    for (let i = 0; i < 3; i++) {
      const sent = await call(app, 'POST', '/api/trigger-event', { name: trigger, userId: unique('user'), email: 'ada@example.com' })
      expect(sent.statusCode).toBe(202)
    }
    const figures = await eventually('the three runs have completed', async () => {
      const response = await call(app, 'GET', '/api/analytics')
      expect(response.statusCode).toBe(200)
      const body = response.json<AnalyticsBody>()
      return body.flows.find((flow) => flow.flowId === flowId)?.completed === 3 ? body : undefined
    })
    expect(figures.bucket).toBe('minute')
    expect(Date.parse(figures.to) - Date.parse(figures.from)).toBe(3_600_000)
    expect(figures.events.filter((row) => row.name === trigger).reduce((sum, row) => sum + row.count, 0)).toBe(3)
    expect(figures.flows.find((flow) => flow.flowId === flowId)).toEqual({ flowId, name: `email on ${trigger}`, started: 3, completed: 3, failed: 0, exited: 0, completionRate: 1 })
    expect(figures.runs.byStatus.completed).toBeGreaterThanOrEqual(3)
    const email = figures.steps.find((step) => step.type === 'email')
    expect(email?.ok).toBeGreaterThanOrEqual(3)
    expect(email?.p50Ms).toBeGreaterThanOrEqual(0)
    expect(email?.p95Ms).toBeGreaterThanOrEqual(email?.p50Ms ?? 0)
    // The same attempts per minute: whole minutes within the window, in order, adding up to the per-type counts.
    const buckets = figures.stepsOverTime.map((row) => Date.parse(row.bucket))
    expect(buckets.length).toBeGreaterThan(0)
    expect(buckets).toEqual([...new Set(buckets)].sort((a, b) => a - b))
    for (const bucket of buckets) {
      expect(bucket % 60_000).toBe(0)
      expect(bucket).toBeGreaterThanOrEqual(Date.parse(figures.from))
      expect(bucket).toBeLessThan(Date.parse(figures.to))
    }
    const sum = (rows: { ok: number, failed: number }[], key: 'ok' | 'failed'): number => rows.reduce((total, row) => total + row[key], 0)
    expect(sum(figures.stepsOverTime, 'ok')).toBe(sum(figures.steps, 'ok'))
    expect(sum(figures.stepsOverTime, 'failed')).toBe(sum(figures.steps, 'failed'))
    expect(sum(figures.stepsOverTime, 'ok')).toBeGreaterThanOrEqual(3)
  }, 30_000)

  it('answers the window and bucket asked for', async () => {
    const { app } = await buildJourneysApp(t)
    const response = await call(app, 'GET', '/api/analytics?from=2020-01-01T00:00:00Z&to=2020-01-08T00:00:00%2B02:00&bucket=day')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ from: '2020-01-01T00:00:00.000Z', to: '2020-01-07T22:00:00.000Z', bucket: 'day', events: [], runs: { byStatus: {} }, flows: [], steps: [], stepsOverTime: [] })
  })

  it.each([
    ['from=yesterday', 'querystring/from'],
    ['to=2024-05-01', 'querystring/to'],
    ['bucket=week', 'querystring/bucket'],
    ['from=2024-05-01T12:00:00Z&to=2024-05-01T11:00:00Z', 'querystring/from'],
    ['from=2024-05-01T00:00:00Z&to=2024-06-01T00:00:00Z&bucket=minute', 'querystring/bucket'],
    ['to=2024-02-30T12:00:00Z', 'querystring/to'],
    ['since=2024-05-01T00:00:00Z', 'querystring/since']
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const { app } = await buildJourneysApp(t)
    const response = await call(app, 'GET', `/api/analytics?${query}`)
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(response.json()).toMatchObject({ code: 'GW_ERR_REQUEST_INVALID', field })
  })

  it('is an operator\'s route: another machine gets a 401 without ADMIN_TOKEN, a bearer of it a 200 with one', async () => {
    const open = await buildJourneysApp(t)
    const remote = await open.app.inject({ url: '/api/analytics', remoteAddress: '10.0.0.7' })
    expect(remote.statusCode).toBe(401)
    expect(remote.json()).toMatchObject({ code: 'GW_ERR_ADMIN_UNAUTHORIZED' })
    const guarded = await buildJourneysApp(t, { adminToken: 'analytics-admin-token-0123' })
    expect((await guarded.app.inject({ url: '/api/analytics' })).statusCode).toBe(401)
    const bearer = await guarded.app.inject({ url: '/api/analytics', remoteAddress: '10.0.0.7', headers: { authorization: 'Bearer analytics-admin-token-0123' } })
    expect(bearer.statusCode).toBe(200)
  })
})
