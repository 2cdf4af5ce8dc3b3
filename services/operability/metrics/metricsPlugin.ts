import type { ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { connectionStatsOf } from '../../http/connections.js'
import { onClosed } from '../../http/socketRequests.js'
import type { TimeoutKind } from '../../http/connections.js'
import type { CounterSeries, HistogramSeries } from './labelledMetrics.js'
import { counter, gauge, histogram } from './metricFamily.js'
import type { CounterHandle, HistogramHandle } from './metricFamily.js'
import { createMetrics } from './metricsRegistry.js'
import type { Metrics, MetricsOptions } from './metricsRegistry.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

const requestFamilies = {
  requests: counter('http_requests_total', 'HTTP requests answered, by route pattern, method and status', ['route', 'method', 'status']),
  // prom-client's default buckets (5 ms to 10 s) span both cached reads and a write that waits for the upstream timeout.
  requestDuration: histogram('http_request_duration_seconds', 'Time from receiving a request to sending the last byte of its response, in seconds', ['route', 'method', 'status']),
  connectionsOpen: gauge('http_connections_open', 'Client connections open now (at most MAX_CONNECTIONS)'),
  connectionsRefused: counter('http_connections_refused_total', 'Client connections refused at once because MAX_CONNECTIONS were open'),
  connectionTimeouts: counter('http_connection_timeouts_total', 'Connections closed because a request head, body or whole request did not arrive in time, by which', ['kind']),
  protocolErrors: counter('http_protocol_errors_total', 'Connections closed after bytes that are not HTTP'),
  rateLimitStoreErrors: counter('rate_limit_store_errors_total', 'Requests let through uncounted because the shared rate-limit store (Redis) failed or was too slow, by policy', ['policy'])
}

type RequestLabel = 'route' | 'method' | 'status'

interface RequestSeries { readonly requests: CounterSeries, readonly duration: HistogramSeries }

/** One route's request series, by method and status, made as they are first seen. */
class RouteSeries {
  readonly #byMethod = new Map<string, Map<number, RequestSeries>>()

  constructor (
    readonly route: string,
    readonly requests: CounterHandle<RequestLabel>,
    readonly duration: HistogramHandle<RequestLabel>
  ) {}

  record (method: string, status: number, seconds: number): void {
    let byStatus = this.#byMethod.get(method)
    if (byStatus === undefined) {
      byStatus = new Map()
      this.#byMethod.set(method, byStatus)
    }
    let series = byStatus.get(status)
    if (series === undefined) {
      const labels = { route: this.route, method, status: String(status) }
      series = { requests: this.requests.series(labels), duration: this.duration.series(labels) }
      byStatus.set(status, series)
    }
    series.requests.inc()
    series.duration.observe(seconds)
  }
}

const startedAtKey = Symbol('startedAt')
const seriesKey = Symbol('series')
type TimedResponse = ServerResponse & { [startedAtKey]?: number, [seriesKey]?: RouteSeries | undefined }

/** Shared by every response: what its route's hook noted, recorded once it is closed. */
function recordClosed (raw: ServerResponse): void {
  const response = raw as TimedResponse
  const series = response[seriesKey]
  const startedAt = response[startedAtKey]
  if (series === undefined || startedAt === undefined) return
  response[seriesKey] = undefined
  series.record(response.req.method ?? 'GET', response.statusCode, (performance.now() - startedAt) / 1000)
}

const timeoutKinds: readonly TimeoutKind[] = ['headers', 'body', 'request']

/** Label for requests that matched no route: the raw URL would make one series per probe of a scanner. */
const notFoundRoute = 'not-found'

/**
 * The instance's metrics registry, decorated as `metrics` for every area to register its families
 * on; the request metrics, recorded for every answered request; and the connection layer's counters.
 */
export const metricsPlugin = fp<MetricsOptions>((app, options, done) => {
  const metrics = createMetrics(options)
  const { requests, requestDuration, connectionsOpen, connectionsRefused, connectionTimeouts, protocolErrors, rateLimitStoreErrors } = metrics.register(requestFamilies)
  const connections = connectionStatsOf(app.server)
  connectionsOpen.collect(() => [[{}, connections.open]])
  connectionsRefused.collect(() => [[{}, connections.refused]])
  connectionTimeouts.collect(() => timeoutKinds.map((kind) => [{ kind }, connections.timeouts[kind]] as const))
  protocolErrors.collect(() => [[{}, connections.protocolErrors]])
  // The rate-limit plugin loads after this one; by the first scrape it has decorated its counts.
  rateLimitStoreErrors.collect(() => app.hasDecorator('rateLimits') ? [...app.rateLimits.storeErrors()].map(([policy, errors]) => [{ policy }, errors] as const) : [])
  app.decorate('metrics', metrics)
  // Each route gets an onRequest hook of its own, which notes the start and the route's series on
  // the response; the response's close records them. Nothing is built or hashed per request but two
  // small lookups, and no onResponse hook: with one, Fastify would give every response a closure and
  // two listeners. (A global hook would also have to ask which route answered, and
  // `request.routeOptions` builds a dozen-field object on every read.) Requests no route matched
  // are noted by one global hook.
  const timing = (route: string): onRequestHookHandler => {
    const series = new RouteSeries(route, requests, requestDuration)
    return (_request, reply, next) => {
      const response = reply.raw as TimedResponse
      response[startedAtKey] = performance.now()
      response[seriesKey] = series
      onClosed(response, recordClosed)
      next()
    }
  }
  app.addHook('onRoute', (route) => {
    const hooks = route.onRequest
    const time = timing(route.url)
    route.onRequest = hooks === undefined ? [time] : [time, ...(Array.isArray(hooks) ? hooks : [hooks])]
  })
  const timeNotFound = timing(notFoundRoute)
  app.addHook('onRequest', function (request, reply, next) {
    if (request.is404) timeNotFound.call(this, request, reply, next)
    else next()
  })
  done()
}, { name: 'metrics', fastify: '5.x' })
