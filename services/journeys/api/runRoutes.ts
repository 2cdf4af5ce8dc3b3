import type { FastifyPluginCallback } from 'fastify'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import { sendPage } from '../../http/paging.js'
import { pageQuerySchema, pageRequest } from '../../http/schemas.js'
import type { PageQuery } from '../../http/schemas.js'
import { engineCall } from './engineErrors.js'
import { guardProblems, management } from './managementGuard.js'
import type { ManagementRouteOptions } from './flowRoutes.js'
import { idParamsSchema, runDetailSchema, runSummarySchema } from './schemas.js'


type RunQuery = PageQuery & { flowId?: string, userId?: string, status?: string }

const runQuerySchema = {
  ...pageQuerySchema,
  properties: {
    ...pageQuerySchema.properties,
    flowId: { type: 'string', minLength: 1, maxLength: 256 },
    userId: { type: 'string', minLength: 1, maxLength: 256 },
    status: { type: 'string', enum: ['running', 'waiting', 'completed', 'failed', 'cancelled', 'exited'] },
    cursor: { type: 'string', minLength: 1, maxLength: 512, description: 'Where the page starts, from the previous page\'s Link header' }
  }
} as const

/** Runs: list (newest first, paged), inspect with every step and attempt, cancel, retry. */
export const runRoutes: FastifyPluginCallback<ManagementRouteOptions> = (app, { engine, onRequest }, done) => {
  app.get<{ Querystring: RunQuery }>('/api/runs', {
    onRequest,
    schema: {
      ...management,
      operationId: 'listRuns',
      summary: 'Runs, newest first, filtered by flow, user and status, one page',
      querystring: runQuerySchema,
      response: { 200: success('One page of runs', { type: 'array', items: runSummarySchema }, { headers: responseHeaders.link }), ...problems(['GW_ERR_REQUEST_INVALID', ...guardProblems]) }
    }
  }, async (request, reply) => {
    const { limit, cursor } = pageRequest(request.query)
    const { flowId, userId, status } = request.query
    const page = await engineCall(() => engine.listRuns({ flowId, userId, status, limit, cursor }))
    const json = JSON.stringify(page.items)
    return sendPage(request, reply, page.next === undefined ? { json } : { json, next: page.next }, limit, { flowId, userId, status })
  })

  app.get<{ Params: { id: string } }>('/api/runs/:id', {
    onRequest,
    schema: {
      ...management,
      operationId: 'getRun',
      summary: 'A run, with each step\'s status, attempts and next wake',
      params: idParamsSchema,
      response: { 200: success('The run', runDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_RUN_NOT_FOUND', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.getRun(request.params.id)))

  app.post<{ Params: { id: string } }>('/api/runs/:id/cancel', {
    onRequest,
    schema: {
      ...management,
      operationId: 'cancelRun',
      summary: 'Cancel a run: its timers and retries removed, a step in flight aborted, nothing after it run',
      params: idParamsSchema,
      response: { 200: success('The run, cancelled', runDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_RUN_NOT_FOUND', 'GW_ERR_RUN_CONFLICT', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.cancelRun(request.params.id)))

  app.post<{ Params: { id: string } }>('/api/runs/:id/retry', {
    onRequest,
    schema: {
      ...management,
      operationId: 'retryRun',
      summary: 'Retry a failed run: its failed steps run again, and the run goes on',
      params: idParamsSchema,
      response: { 200: success('The run, running again', runDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_RUN_NOT_FOUND', 'GW_ERR_RUN_CONFLICT', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.retryRun(request.params.id)))
  done()
}
