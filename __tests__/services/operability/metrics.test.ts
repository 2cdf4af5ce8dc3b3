import { describe, expect, it, onTestFinished } from 'vitest'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { createMetrics } from '../../../services/operability/metrics.js'
import type { Metrics } from '../../../services/operability/metrics.js'
import { registerOperability, registerRequestHooks } from '../../../services/operability/operability.js'
import { errorHandler, notFoundHandler } from '../../../services/http/problem.js'
import { registerRateLimits } from '../../../services/http/rateLimit.js'
import { requestIdOptions } from '../../../services/http/requestId.js'
import { createExponentialBackoff } from '../../../utils/backoff.js'
import { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import { createManualClock } from '../../../utils/clock.js'

const adminToken = 'metrics-test-admin-token'

/**
 * A minimal gateway wired in the app's order: error handlers, rate limits, operability, then a
 * parameterised read route inside a plugin, as the data routes are; with a real breaker.
 */
async function buildMetricsApp (options: { readMax?: number } = {}): Promise<{ app: FastifyInstance, metrics: Metrics, breaker: CircuitBreaker }> {
  const metrics = createMetrics({ processMetrics: false })
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    windowMs: 30_000,
    backoff: createExponentialBackoff({ baseMs: 1000, maxMs: 60_000 }),
    maxOpenMs: 60_000,
    clock: createManualClock(1_700_000_000_000).now,
    random: () => 0.5,
    isFailure: () => true,
    onStateChange: (change) => { metrics.recordTransition(change) }
  })
  const app = Fastify(requestIdOptions)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  const limitRate = await registerRateLimits(app, { readMax: options.readMax ?? 0, writeMax: 0, windowMs: 60_000, allowList: [] })
  registerRequestHooks(app, metrics)
  registerOperability(app, { metrics, breaker, adminToken, limitRate })
  await app.register((data, _options, done) => {
    if (limitRate !== undefined) data.addHook('onRequest', limitRate)
    data.get('/getEventsByUserId/:id', () => [])
    done()
  })
  onTestFinished(() => app.close())
  return { app, metrics, breaker }
}

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
    const { app } = await buildMetricsApp()
    const response = await app.inject('/metrics')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    for (const name of [
      'http_requests_total', 'http_request_duration_seconds', 'breaker_state', 'breaker_transitions_total', 'rejections_total',
      'upstream_calls_total', 'upstream_call_duration_seconds', 'store_users', 'store_events', 'idempotency_keys'
    ]) {
      expect(response.body).toContain(`# TYPE ${name} `)
    }
  })

  it('labels requests with the route pattern, not the URL: two users make one series', async () => {
    const { app } = await buildMetricsApp()
    await app.inject('/getEventsByUserId/1')
    const second = await app.inject({ url: '/getEventsByUserId/2', headers: { 'x-request-id': 'metrics-trace' } })
    // The root hooks reach routes of plugins registered after them.
    expect(second.headers['x-request-id']).toBe('metrics-trace')
    const body = await scrape(app)
    expect(sample(body, 'http_requests_total{route="/getEventsByUserId/:id",method="GET",status="200"}')).toBe(2)
    expect(body).not.toContain('/getEventsByUserId/1')
    expect(body).not.toContain('/getEventsByUserId/2')
  })

  it('labels unmatched URLs as not-found', async () => {
    const { app } = await buildMetricsApp()
    await app.inject('/no/such/route/123')
    const body = await scrape(app)
    expect(sample(body, 'http_requests_total{route="not-found",method="GET",status="404"}')).toBe(1)
    expect(body).not.toContain('/no/such/route')
  })

  it('records request durations in histogram buckets', async () => {
    const { app } = await buildMetricsApp()
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
    const { app, breaker } = await buildMetricsApp()
    const before = await scrape(app)
    expect(sample(before, 'breaker_state{state="closed"}')).toBe(1)
    expect(sample(before, 'breaker_state{state="forced-open"}')).toBe(0)

    breaker.forceOpen()
    const after = await scrape(app)
    expect(sample(after, 'breaker_state{state="forced-open"}')).toBe(1)
    expect(sample(after, 'breaker_state{state="closed"}')).toBe(0)
    expect(sample(after, 'breaker_transitions_total{from="closed",to="forced-open",reason="forced-open"}')).toBe(1)
  })

  it('reads the breaker state at scrape time even when no transition was reported', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const app = Fastify()
    onTestFinished(() => app.close())
    const snapshot = { state: 'half-open', consecutiveFailures: 0, attempt: 1 } as const
    registerOperability(app, { metrics, breaker: { forceOpen: () => undefined, forceClose: () => undefined, reset: () => undefined, snapshot: () => snapshot } })
    const body = await scrape(app)
    expect(sample(body, 'breaker_state{state="half-open"}')).toBe(1)
    expect(sample(body, 'breaker_state{state="closed"}')).toBe(0)
  })

  it('is never rate limited, while other routes are', async () => {
    const { app } = await buildMetricsApp({ readMax: 1 })
    expect((await app.inject('/getEventsByUserId/1')).statusCode).toBe(200)
    expect((await app.inject('/getEventsByUserId/1')).statusCode).toBe(429)
    for (let i = 0; i < 3; i++) expect((await app.inject('/metrics')).statusCode).toBe(200)
  })
})

describe('createMetrics', () => {
  it('counts rejections by reason, every reason exposed from the start', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const fresh = await metrics.expose()
    for (const reason of ['open', 'half-open', 'forced-open', 'bulkhead', 'rate-limit']) {
      expect(sample(fresh, `rejections_total{reason="${reason}"}`)).toBe(0)
    }
    metrics.recordRejection('bulkhead')
    metrics.recordRejection('bulkhead')
    metrics.recordRejection('rate-limit')
    const body = await metrics.expose()
    expect(sample(body, 'rejections_total{reason="bulkhead"}')).toBe(2)
    expect(sample(body, 'rejections_total{reason="rate-limit"}')).toBe(1)
    expect(sample(body, 'rejections_total{reason="open"}')).toBe(0)
  })

  it('counts upstream calls and their durations by operation and outcome', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.recordUpstreamCall('addEvent', 'success', 0.02)
    metrics.recordUpstreamCall('addEvent', 'status_5xx', 0.2)
    metrics.recordUpstreamCall('getUsers', 'timeout', 3)
    const body = await metrics.expose()
    expect(sample(body, 'upstream_calls_total{operation="addEvent",outcome="success"}')).toBe(1)
    expect(sample(body, 'upstream_calls_total{operation="addEvent",outcome="status_5xx"}')).toBe(1)
    expect(sample(body, 'upstream_calls_total{operation="getUsers",outcome="timeout"}')).toBe(1)
    expect(sample(body, 'upstream_call_duration_seconds_bucket{le="0.025",operation="addEvent",outcome="success"}')).toBe(1)
    expect(sample(body, 'upstream_call_duration_seconds_bucket{le="2.5",operation="getUsers",outcome="timeout"}')).toBe(0)
    expect(sample(body, 'upstream_call_duration_seconds_bucket{le="5",operation="getUsers",outcome="timeout"}')).toBe(1)
    expect(sample(body, 'upstream_call_duration_seconds_sum{operation="getUsers",outcome="timeout"}')).toBe(3)
  })

  it('reads the store and idempotency gauges from their sources on every scrape', async () => {
    const metrics = createMetrics({ processMetrics: false })
    let counts = { users: 3, events: 4 }
    let keys = 7
    metrics.setGauges({ storeCounts: () => Promise.resolve(counts), idempotencyKeys: () => keys })
    const first = await metrics.expose()
    expect(sample(first, 'store_users')).toBe(3)
    expect(sample(first, 'store_events')).toBe(4)
    expect(sample(first, 'idempotency_keys')).toBe(7)

    counts = { users: 3, events: 9 }
    keys = 0
    const second = await metrics.expose()
    expect(sample(second, 'store_events')).toBe(9)
    expect(sample(second, 'idempotency_keys')).toBe(0)
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
