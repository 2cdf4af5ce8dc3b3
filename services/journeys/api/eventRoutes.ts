import type { FastifyPluginCallback } from 'fastify'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import { sendPage } from '../../http/paging.js'
import { pageRequest } from '../../http/schemas.js'
import type { PageQuery } from '../../http/schemas.js'
import { engineCall } from './engineErrors.js'
import type { ManagementRouteOptions } from './flowRoutes.js'
import { guardProblems, management } from './managementGuard.js'
import { dateTimeQuerySchema, eventDetailSchema, idParamsSchema } from './schemas.js'

/** Most events on one page: each carries its properties (up to 64 KiB) and its runs. */
export const maxEventPageLimit = 1000

type EventQuery = PageQuery & { name?: string, userId?: string, from?: string, to?: string }

const eventQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    userId: { type: 'string', minLength: 1, maxLength: 256 },
    from: { ...dateTimeQuerySchema, description: 'Received at or after this ISO 8601 date-time' },
    to: { ...dateTimeQuerySchema, description: 'Received before this ISO 8601 date-time' },
    limit: { type: 'string', pattern: `^(?:[1-9][0-9]{0,2}|${maxEventPageLimit})$`, default: '100', description: `Page size, 1 to ${maxEventPageLimit}` },
    cursor: { type: 'string', minLength: 1, maxLength: 512, description: 'Where the page starts, from the previous page\'s Link header' }
  }
} as const

/** Trigger events: the newest first, paged and filtered, and one by id; each with the runs it started and the flows it skipped. */
export const eventRoutes: FastifyPluginCallback<ManagementRouteOptions> = (app, { engine, onRequest }, done) => {
  app.get<{ Querystring: EventQuery }>('/api/events', {
    onRequest,
    schema: {
      ...management,
      operationId: 'listTriggerEvents',
      summary: 'Trigger events, newest first, filtered by name, user and time received, one page',
      querystring: eventQuerySchema,
      response: { 200: success('One page of trigger events', { type: 'array', items: eventDetailSchema }, { headers: responseHeaders.link }), ...problems(['GW_ERR_REQUEST_INVALID', ...guardProblems]) }
    }
  }, async (request, reply) => {
    const { limit, cursor } = pageRequest(request.query)
    const { name, userId, from, to } = request.query
    const page = await engineCall(() => engine.listEvents({ name, userId, from, to, limit, cursor }))
    const json = JSON.stringify(page.items)
    return sendPage(request, reply, page.next === undefined ? { json } : { json, next: page.next }, limit, { name, userId, from, to })
  })

  app.get<{ Params: { id: string } }>('/api/events/:id', {
    onRequest,
    schema: {
      ...management,
      operationId: 'getTriggerEvent',
      summary: 'A recorded trigger event, with the runs it started and the flows it skipped',
      params: idParamsSchema,
      response: { 200: success('The event', eventDetailSchema), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_EVENT_NOT_FOUND', ...guardProblems]) }
    }
  }, (request) => engineCall(() => engine.getEvent(request.params.id)))
  done()
}
