import type { FastifyPluginCallback } from 'fastify'
import { problems, success } from '../../http/openapi.js'
import type { AnalyticsBucket } from '../engine/analytics.js'
import { engineCall } from './engineErrors.js'
import type { ManagementRouteOptions } from './flowRoutes.js'
import { guardProblems, management } from './managementGuard.js'
import { analyticsSchema, dateTimeQuerySchema } from './schemas.js'

interface AnalyticsQuerystring { from?: string, to?: string, bucket?: AnalyticsBucket }

const analyticsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { ...dateTimeQuerySchema, description: 'Start of the window (included); default an hour before `to`' },
    to: { ...dateTimeQuerySchema, description: 'End of the window (excluded); default now' },
    bucket: { type: 'string', enum: ['minute', 'hour', 'day'], description: 'Size of the event buckets; default the finest that makes at most 1500' }
  }
} as const

/** GET /api/analytics: the dashboard's figures for a window, aggregated by the engine's database. */
export const analyticsRoute: FastifyPluginCallback<ManagementRouteOptions> = (app, { engine, onRequest }, done) => {
  app.get<{ Querystring: AnalyticsQuerystring }>('/api/analytics', {
    onRequest,
    schema: {
      ...management,
      operationId: 'getAnalytics',
      summary: 'Events per bucket and name, runs by status, each flow\'s completion, each step type\'s outcomes and durations, and step outcomes per bucket, over a window',
      querystring: analyticsQuerySchema,
      response: { 200: success('The figures for the window', analyticsSchema), ...problems(['GW_ERR_REQUEST_INVALID', ...guardProblems]) }
    }
  }, (request) => {
    const { from, to, bucket } = request.query
    return engineCall(() => engine.analytics({ from, to, bucket }))
  })
  done()
}
