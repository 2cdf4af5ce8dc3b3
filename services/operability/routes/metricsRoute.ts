import type { FastifyPluginCallback } from 'fastify'
import { errorResponses } from '../../http/schemas.js'

/** GET /metrics: a scraper polls on a fixed schedule and is never rate limited. */
export const metricsRoute: FastifyPluginCallback = (app, _options, done) => {
  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics',
      tags: ['operability'],
      produces: ['text/plain'],
      response: { 200: { type: 'string', description: 'Prometheus text exposition format 0.0.4' }, ...errorResponses }
    }
  }, async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.expose()))
  done()
}
