import type { FastifyPluginCallback } from 'fastify'
import { sendProblem } from '../../http/problem.js'
import { problems, success } from '../../http/openapi.js'

/**
 * GET /health (every area's sections; answers whatever their state) and GET /ready (200 once every
 * readiness check passes, otherwise the first one's 503). Register after every plugin that reports
 * to `health`. Probes stay outside the rate limit: an orchestrator polling them is never throttled.
 */
export const healthRoutes: FastifyPluginCallback = (app, _options, done) => {
  const sections = app.health.sections()
  const schema = {
    type: 'object',
    required: ['status', ...sections.map((section) => section.name)],
    properties: {
      status: { type: 'string' },
      ...Object.fromEntries(sections.map((section) => [section.name, section.schema]))
    }
  }

  app.get('/health', {
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness, with the state of each part',
      tags: ['operability'],
      security: [],
      response: { 200: success('Alive; each part says how it is', schema) }
    }
  }, async () => {
    const body: Record<string, unknown> = { status: 'ok' }
    for (const section of sections) body[section.name] = await section.read()
    return body
  })

  app.get('/ready', {
    schema: {
      operationId: 'getReady',
      summary: 'Readiness: 200 once the gateway can serve',
      tags: ['operability'],
      security: [],
      response: {
        200: success('Ready to serve', { type: 'object', properties: { ready: { type: 'boolean' } } }),
        ...problems(['GW_ERR_STORE_NOT_READY'])
      }
    }
  }, async (_request, reply) => {
    const problem = app.health.notReady()
    return problem === undefined ? { ready: true } : sendProblem(reply, problem)
  })
  done()
}
