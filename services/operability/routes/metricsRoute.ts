import type { FastifyPluginCallback } from 'fastify'
import { problems, success } from '../../http/openapi.js'

/** GET /metrics: a scraper polls on a fixed schedule and is never rate limited. */
export const metricsRoute: FastifyPluginCallback = (app, _options, done) => {
  app.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      tags: ['operability'],
      security: [],
      produces: ['text/plain'],
      response: {
        200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } }, headers: success('', {}).headers },
        ...problems(['GW_ERR_INTERNAL'])
      }
    }
  }, async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.expose()))
  done()
}
