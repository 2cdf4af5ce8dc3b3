import fp from 'fastify-plugin'
import { counter, histogram } from './metricFamily.js'
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
  requestDuration: histogram('http_request_duration_seconds', 'Time from receiving a request to sending the last byte of its response, in seconds', ['route', 'method', 'status'])
}

/** Label for requests that matched no route: the raw URL would make one series per probe of a scanner. */
const notFoundRoute = 'not-found'

/**
 * The instance's metrics registry, decorated as `metrics` for every area to register its families
 * on, and the request metrics, recorded for every answered request.
 */
export const metricsPlugin = fp<MetricsOptions>((app, options, done) => {
  const metrics = createMetrics(options)
  const { requests, requestDuration } = metrics.register(requestFamilies)
  app.decorate('metrics', metrics)
  app.addHook('onResponse', (request, reply, next) => {
    const labels = { route: request.routeOptions.url ?? notFoundRoute, method: request.method, status: String(reply.statusCode) }
    requests.inc(labels)
    requestDuration.observe(labels, reply.elapsedTime / 1000)
    next()
  })
  done()
}, { name: 'metrics', fastify: '5.x' })
