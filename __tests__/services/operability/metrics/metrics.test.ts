import { describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { counter, gauge, histogram } from '../../../../services/operability/metrics/metricFamily.js'
import { createMetrics } from '../../../../services/operability/metrics/metricsRegistry.js'
import { buildMockedApp } from '../../../helpers/mockedApp.js'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import { answerStatus, holdRequest, times } from '../../../helpers/upstreamFaults.js'

const adminToken = 'metrics-test-admin-token'

async function scrape (app: FastifyInstance): Promise<string> {
  const response = await app.inject('/metrics')
  expect(response.statusCode).toBe(200)
  return response.body
}

/** The value of the one series whose name and labels are given exactly as exposed. */
function sample (exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((text) => text.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('GET /metrics', () => {
  it('answers the Prometheus text format with every gateway metric declared', async () => {
    const { app } = await buildTestApp()
    const response = await app.inject('/metrics')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    for (const name of [
      'http_requests_total', 'http_request_duration_seconds', 'breaker_state', 'breaker_transitions_total', 'rejections_total',
      'upstream_calls_total', 'upstream_call_duration_seconds', 'upstream_writes_in_flight', 'upstream_writes_queued',
      'store_users', 'store_events', 'idempotency_keys'
    ]) {
      expect(response.body).toContain(`# TYPE ${name} `)
    }
  })

  it('labels requests with the route pattern, not the URL: two users make one series', async () => {
    const { app } = await buildTestApp()
    await app.inject('/getEventsByUserId/1')
    const second = await app.inject({ url: '/getEventsByUserId/2', headers: { 'x-request-id': 'metrics-trace' } })
    // The root hooks reach routes of plugins registered after them.
    expect(second.headers['x-request-id']).toBe('metrics-trace')
    const body = await scrape(app)
    expect(sample(body, 'http_requests_total{route="/getEventsByUserId/:id",method="GET",status="200"}')).toBe(2)
    expect(body).not.toContain('/getEventsByUserId/1')
    expect(body).not.toContain('/getEventsByUserId/2')
  })

  it('counts the routes of every plugin, the API docs and the HEAD twin of each GET among them', async () => {
    const { app } = await buildTestApp()
    expect((await app.inject('/docs/json')).statusCode).toBe(200)
    expect((await app.inject({ method: 'HEAD', url: '/getEventsByUserId/1' })).statusCode).toBe(200)
    const body = await scrape(app)
    expect(sample(body, 'http_requests_total{route="/docs/json",method="GET",status="200"}')).toBe(1)
    expect(sample(body, 'http_requests_total{route="/getEventsByUserId/:id",method="HEAD",status="200"}')).toBe(1)
    expect(sample(body, 'http_request_duration_seconds_count{route="/docs/json",method="GET",status="200"}')).toBe(1)
  })

  it('labels unmatched URLs as not-found', async () => {
    const { app } = await buildTestApp()
    await app.inject('/no/such/route/123')
    const body = await scrape(app)
    expect(sample(body, 'http_requests_total{route="not-found",method="GET",status="404"}')).toBe(1)
    expect(body).not.toContain('/no/such/route')
  })

  it('records request durations in histogram buckets', async () => {
    const { app } = await buildTestApp()
    await app.inject('/getEventsByUserId/1')
    const body = await scrape(app)
    const labels = 'route="/getEventsByUserId/:id",method="GET",status="200"'
    for (const le of ['0.005', '0.1', '1', '10', '+Inf']) {
      expect(body).toContain(`http_request_duration_seconds_bucket{le="${le}",${labels}}`)
    }
    expect(sample(body, `http_request_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(1)
    expect(sample(body, `http_request_duration_seconds_count{${labels}}`)).toBe(1)
    expect(sample(body, `http_request_duration_seconds_sum{${labels}}`)).toBeGreaterThanOrEqual(0)
  })

  it('shows the breaker state and counts transitions, forced ones included', async () => {
    const { app } = await buildTestApp({ config: { http: { adminToken } } })
    const before = await scrape(app)
    expect(sample(before, 'breaker_state{state="closed"}')).toBe(1)
    expect(sample(before, 'breaker_state{state="forced-open"}')).toBe(0)

    const forced = await app.inject({ method: 'POST', url: '/admin/breaker/open', headers: { authorization: `Bearer ${adminToken}` } })
    expect(forced.statusCode).toBe(200)
    const after = await scrape(app)
    expect(sample(after, 'breaker_state{state="forced-open"}')).toBe(1)
    expect(sample(after, 'breaker_state{state="closed"}')).toBe(0)
    expect(sample(after, 'breaker_transitions_total{from="closed",to="forced-open",reason="forced-open"}')).toBe(1)
  })

  it('is never rate limited, while other routes are', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 1 } } })
    expect((await app.inject('/getEventsByUserId/1')).statusCode).toBe(200)
    expect((await app.inject('/getEventsByUserId/1')).statusCode).toBe(429)
    for (let i = 0; i < 3; i++) expect((await app.inject('/metrics')).statusCode).toBe(200)
  })

  it('counts rejections by reason, every reason exposed from the start', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { rateLimitWriteMax: 3 }, gateway: { upstreamMaxInflight: 1, upstreamMaxQueue: 0 } } })
    const fresh = await scrape(app)
    for (const reason of ['open', 'half-open', 'forced-open', 'bulkhead', 'rate-limit']) {
      expect(sample(fresh, `rejections_total{reason="${reason}"}`)).toBe(0)
    }
    // One write holds the only slot; the next two find the bulkhead full, the fourth is over the write limit.
    const { handler, release } = holdRequest()
    upstream.use(handler)
    const held = addEvent(app, { name: 'held', userId: '1' })
    await vi.waitFor(() => { expect(app.writeBulkhead.active).toBe(1) })
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(503)
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(503)
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(429)
    const body = await scrape(app)
    expect(sample(body, 'rejections_total{reason="bulkhead"}')).toBe(2)
    expect(sample(body, 'rejections_total{reason="rate-limit"}')).toBe(1)
    expect(sample(body, 'rejections_total{reason="open"}')).toBe(0)
    expect(sample(body, 'upstream_writes_in_flight')).toBe(1)
    expect(sample(body, 'upstream_writes_queued')).toBe(0)
    release()
    expect((await held).statusCode).toBe(201)
  })

  it('counts the breaker\'s refusals, answered on the request\'s head, by the state that refused', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { adminToken } } })
    upstream.use(...times(3, () => answerStatus(503)))
    for (let i = 0; i < 3; i++) expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(502)
    for (let i = 0; i < 2; i++) expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(503)
    const forced = await app.inject({ method: 'POST', url: '/admin/breaker/open', headers: { authorization: `Bearer ${adminToken}` } })
    expect(forced.statusCode).toBe(200)
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(503)
    const body = await scrape(app)
    expect(sample(body, 'rejections_total{reason="open"}')).toBe(2)
    expect(sample(body, 'rejections_total{reason="forced-open"}')).toBe(1)
    expect(sample(body, 'http_requests_total{route="/addEvent",method="POST",status="503"}')).toBe(3)
    expect(sample(body, 'http_request_duration_seconds_count{route="/addEvent",method="POST",status="503"}')).toBe(3)
  })

  it('counts upstream calls by operation and outcome', async () => {
    const { app } = await buildMockedApp()
    expect((await addEvent(app, { name: 'counted', userId: '1' })).statusCode).toBe(201)
    const body = await scrape(app)
    expect(sample(body, 'upstream_calls_total{operation="getUsers",outcome="success"}')).toBe(1)
    expect(sample(body, 'upstream_calls_total{operation="getEvents",outcome="success"}')).toBe(1)
    expect(sample(body, 'upstream_calls_total{operation="addEvent",outcome="success"}')).toBe(1)
    expect(sample(body, 'upstream_call_duration_seconds_count{operation="addEvent",outcome="success"}')).toBe(1)
  })

  it('reads the store and idempotency gauges from their sources on every scrape', async () => {
    const { app } = await buildTestApp()
    const first = await scrape(app)
    expect(sample(first, 'store_users')).toBe(3)
    expect(sample(first, 'store_events')).toBe(3)
    expect(sample(first, 'idempotency_keys')).toBe(0)

    expect((await addEvent(app, { name: 'x', userId: '1' }, { 'idempotency-key': 'gauge-key' })).statusCode).toBe(201)
    const second = await scrape(app)
    expect(sample(second, 'store_events')).toBe(4)
    expect(sample(second, 'idempotency_keys')).toBe(1)
  })
})

describe('createMetrics', () => {
  it('gives one handle per family of a table, under its key, caching each series', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const { calls, duration, depth } = metrics.register({
      calls: counter('test_calls_total', 'Calls', ['operation', 'outcome']),
      duration: histogram('test_call_seconds', 'Call durations', ['operation']),
      depth: gauge('test_depth', 'Depth')
    })
    calls.inc({ operation: 'addEvent', outcome: 'success' })
    calls.inc({ outcome: 'success', operation: 'addEvent' })
    calls.inc({ operation: 'getUsers', outcome: 'timeout' }, 0)
    duration.observe({ operation: 'getUsers' }, 3)
    let current = 7
    depth.collect(() => [[{}, current]])
    const first = await metrics.expose()
    expect(sample(first, 'test_calls_total{operation="addEvent",outcome="success"}')).toBe(2)
    expect(sample(first, 'test_calls_total{operation="getUsers",outcome="timeout"}')).toBe(0)
    expect(sample(first, 'test_call_seconds_bucket{le="2.5",operation="getUsers"}')).toBe(0)
    expect(sample(first, 'test_call_seconds_bucket{le="5",operation="getUsers"}')).toBe(1)
    expect(sample(first, 'test_call_seconds_sum{operation="getUsers"}')).toBe(3)
    expect(sample(first, 'test_depth')).toBe(7)
    current = 0
    expect(sample(await metrics.expose(), 'test_depth')).toBe(0)
  })

  it('registers process metrics on its own registry, never on the global one', async () => {
    const withProcess = createMetrics()
    const body = await withProcess.expose()
    expect(body).toContain('# TYPE process_cpu_user_seconds_total counter')
    expect(body).toContain('# TYPE nodejs_eventloop_lag_seconds gauge')
    // A second instance would throw "already registered" if both shared one registry.
    const other = createMetrics()
    expect(other.registry).not.toBe(withProcess.registry)
    expect(await createMetrics({ processMetrics: false }).expose()).not.toContain('process_cpu_user_seconds_total')
  })
})
