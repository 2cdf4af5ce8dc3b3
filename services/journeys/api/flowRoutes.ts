import type { FastifyPluginCallback, onRequestHookHandler } from 'fastify'
import { problems, success } from '../../http/openapi.js'
import type { EngineClient } from '../engineClient.js'
import { engineCall } from './engineErrors.js'
import { guardProblems, management } from './managementGuard.js'
import { flowDetailSchema, flowStepsSchema, flowSummarySchema, idParamsSchema, validationSchema } from './schemas.js'

export interface ManagementRouteOptions {
  readonly engine: EngineClient
  /** Runs first on every route: the operator's guard, then the admin rate limit. */
  readonly onRequest: onRequestHookHandler[]
}

/** Largest flow definition accepted, in bytes. */
export const flowBodyLimit = 256 * 1024

const flowBody = { type: 'object', description: 'A flow definition (see the README): name, trigger, entry, exit, steps' } as const
/** What the body parser refuses before a definition reaches the engine. */
const bodyProblems = ['GW_ERR_REQUEST_MALFORMED_JSON', 'GW_ERR_REQUEST_TOO_LARGE', 'GW_ERR_REQUEST_MEDIA_TYPE'] as const

/** The id, when the body names one; the definition without it. A flow's id is not part of its definition. */
function split (body: Record<string, unknown>): { id: string | undefined, definition: Record<string, unknown> } {
  const { id, ...definition } = body
  return { id: typeof id === 'string' ? id : undefined, definition }
}

/** Flows: define (validated before saved), version, enable and disable, archive; list and inspect. */
export const flowRoutes: FastifyPluginCallback<ManagementRouteOptions> = (app, { engine, onRequest }, done) => {
  app.post<{ Body: Record<string, unknown> }>('/api/flows/validate', {
    onRequest,
    bodyLimit: flowBodyLimit,
    schema: {
      ...management,
      operationId: 'validateFlow',
      summary: 'Check a flow definition without saving it',
      body: flowBody,
      response: { 200: success('Valid, with its steps in topological order', validationSchema), ...problems(['GW_ERR_REQUEST_INVALID', ...bodyProblems, 'GW_ERR_FLOW_INVALID', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.validateFlow(split(request.body).definition)))

  app.post<{ Body: Record<string, unknown> }>('/api/flows', {
    onRequest,
    bodyLimit: flowBodyLimit,
    schema: {
      ...management,
      operationId: 'createFlow',
      summary: 'Save a new flow, as version 1',
      body: flowBody,
      response: { 201: success('The flow as saved', flowDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', ...bodyProblems, 'GW_ERR_FLOW_INVALID', ...guardProblems]) }
    }
  }, async (request, reply) => {
    const { definition } = split(request.body)
    return reply.code(201).send(await engineCall(() => engine.createFlow(definition)))
  })

  app.get('/api/flows', {
    onRequest,
    schema: { ...management, operationId: 'listFlows', summary: 'Every flow not archived', response: { 200: success('The flows', { type: 'array', items: flowSummarySchema }), ...problems([...guardProblems]) } }
  }, () => engineCall(() => engine.listFlows()))

  app.get<{ Params: { id: string }, Querystring: { version?: number } }>('/api/flows/:id', {
    onRequest,
    schema: {
      ...management,
      operationId: 'getFlow',
      summary: 'A flow, at its newest version or the one asked for',
      params: idParamsSchema,
      querystring: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1, maximum: 1_000_000 } } },
      response: { 200: success('The flow', flowDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_FLOW_NOT_FOUND', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.getFlow(request.params.id, request.query.version)))

  app.get<{ Params: { id: string } }>('/api/flows/:id/steps', {
    onRequest,
    schema: {
      ...management,
      operationId: 'getFlowSteps',
      summary: 'How many of the flow\'s active runs are at each step now',
      params: idParamsSchema,
      response: { 200: success('The active runs, counted by step', flowStepsSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_FLOW_NOT_FOUND', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.flowSteps(request.params.id)))

  app.put<{ Params: { id: string }, Body: Record<string, unknown> }>('/api/flows/:id', {
    onRequest,
    bodyLimit: flowBodyLimit,
    schema: {
      ...management,
      operationId: 'updateFlow',
      summary: 'Save a new version: new runs start on it, runs in flight finish on theirs',
      params: idParamsSchema,
      body: flowBody,
      response: { 200: success('The flow at its new version', flowDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', ...bodyProblems, 'GW_ERR_FLOW_NOT_FOUND', 'GW_ERR_FLOW_INVALID', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.updateFlow(request.params.id, split(request.body).definition)))

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post<{ Params: { id: string } }>(`/api/flows/:id/${action}`, {
      onRequest,
      schema: {
        ...management,
        operationId: `${action}Flow`,
        summary: enabled ? 'Let the flow start runs again' : 'Start no new run of the flow; active runs go on',
        params: idParamsSchema,
        response: { 200: success('The flow', flowDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_FLOW_NOT_FOUND', ...guardProblems]) }
      }
    }, (request) => engineCall(() => engine.setFlowEnabled(request.params.id, enabled)))
  }

  app.delete<{ Params: { id: string }, Querystring: { cancelRuns?: boolean } }>('/api/flows/:id', {
    onRequest,
    schema: {
      ...management,
      operationId: 'archiveFlow',
      summary: 'Archive a flow; with cancelRuns=true its active runs are cancelled too',
      params: idParamsSchema,
      querystring: { type: 'object', additionalProperties: false, properties: { cancelRuns: { type: 'boolean', default: false } } },
      response: {
        200: success('Archived', { type: 'object', required: ['archived', 'cancelled'], properties: { archived: { type: 'boolean' }, cancelled: { type: 'integer' } } }),
        ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_FLOW_NOT_FOUND', ...guardProblems])
      }
    }
  }, async (request) => {
    const { cancelled } = await engineCall(() => engine.archiveFlow(request.params.id, request.query.cancelRuns === true))
    return { archived: true, cancelled }
  })
  done()
}
