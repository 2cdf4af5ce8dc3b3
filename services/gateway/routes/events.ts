import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../../http/errors.js'
import { sendPage } from '../../http/paging.js'
import type { JsonPage } from '../../http/paging.js'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import { idSchema, pageQuerySchema, pageRequest } from '../../http/schemas.js'
import type { PageQuery } from '../../http/schemas.js'
import { eventSchema } from '../schemas.js'
import type { DataRouteOptions } from './dataRouteOptions.js'

const page = (description: string): ReturnType<typeof success> =>
  success(description, { type: 'array', items: eventSchema }, { headers: { ...responseHeaders.link, ...responseHeaders.rateLimit, ...responseHeaders.readConsistency } })

function sendUserPage (request: FastifyRequest, reply: FastifyReply, userId: string, page: JsonPage | undefined, limit: number): FastifyReply {
  if (page === undefined) throw new GatewayError('GW_ERR_USER_NOT_FOUND', `No user has id ${JSON.stringify(userId)}`)
  return sendPage(request, reply, page, limit)
}

export const eventRoutes: FastifyPluginCallback<DataRouteOptions> = (app, { onRequest }, done) => {
  const store = app.eventStore
  const pageNow = store.listEventsByUserJsonNow?.bind(store)
  app.get<{ Querystring: PageQuery }>('/getEvents', {
    onRequest,
    schema: {
      operationId: 'getEvents',
      summary: 'Every event, oldest first, one page',
      tags: ['reads'],
      security: [],
      querystring: pageQuerySchema,
      response: { 200: page('One page of events'), ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL', 'GW_ERR_STORE_NOT_READY'], { limited: true }) }
    }
  }, async (request, reply) => {
    const query = pageRequest(request.query)
    return sendPage(request, reply, await app.eventStore.listEventsJson(query), query.limit)
  })

  app.get<{ Params: { id: string }, Querystring: PageQuery }>('/getEventsByUserId/:id', {
    onRequest,
    schema: {
      operationId: 'getEventsByUserId',
      summary: 'One user\'s events, in the order they were added, one page',
      tags: ['reads'],
      security: [],
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      querystring: pageQuerySchema,
      response: {
        200: page('One page of the user\'s events; [] for a user without events'),
        ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_USER_NOT_FOUND', 'GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL', 'GW_ERR_STORE_NOT_READY'], { limited: true })
      }
    }
  }, (request, reply) => {
    // The most frequent request of all: answered at once from an index in this process, and
    // otherwise on the store's own promise rather than an async function's around it.
    const query = pageRequest(request.query)
    const { id } = request.params
    if (pageNow !== undefined) {
      sendUserPage(request, reply, id, pageNow(id, query), query.limit)
      return
    }
    return store.listEventsByUserJson(id, query).then((page) => sendUserPage(request, reply, id, page, query.limit))
  })
  done()
}
