import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import { connectionStatsOf } from '../../http/connections.js'
import type { TimeoutKind } from '../../http/connections.js'
import type { CounterSeries, HistogramSeries } from './labelledMetrics.js'
import { counter, gauge, histogram } from './metricFamily.js'
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

interface RequestSeries { readonly requests: CounterSeries, readonly duration: HistogramSeries }

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
  // Each route gets an onResponse hook of its own, holding that route's series by method and status:
  // nothing is built or hashed per request but two small lookups. (A global hook would have to ask
  // which route answered, and `request.routeOptions` builds a dozen-field object on every read.)
  // Requests no route matched are counted by one global hook, which leaves the others alone.
  const recorder = (route: string): (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => void => {
    const byMethod = new Map<string, Map<number, RequestSeries>>()
    return (request, reply, next) => {
      let byStatus = byMethod.get(request.method)
      if (byStatus === undefined) {
        byStatus = new Map()
        byMethod.set(request.method, byStatus)
      }
      let series = byStatus.get(reply.statusCode)
      if (series === undefined) {
        const labels = { route, method: request.method, status: String(reply.statusCode) }
        series = { requests: requests.series(labels), duration: requestDuration.series(labels) }
        byStatus.set(reply.statusCode, series)
      }
      series.requests.inc()
      series.duration.observe(reply.elapsedTime / 1000)
      next()
    }
  }
  app.addHook('onRoute', (route) => {
    const hooks = route.onResponse
    const record = recorder(route.url)
    route.onResponse = hooks === undefined ? [record] : [...(Array.isArray(hooks) ? hooks : [hooks]), record]
  })
  const recordNotFound = recorder(notFoundRoute)
  app.addHook('onResponse', (request, reply, next) => {
    if (request.is404) recordNotFound(request, reply, next)
    else next()
  })
  done()
}, { name: 'metrics', fastify: '5.x' })
