import type { FastifyPluginCallback } from 'fastify'
import { GatewayError } from '../../http/errors.js'
import { sendPage } from '../../http/paging.js'
import { errorResponses, idSchema, pageQuerySchema, pageRequest } from '../../http/schemas.js'
import type { PageQuery } from '../../http/schemas.js'
import { eventSchema } from '../schemas.js'
import type { DataRouteOptions } from './dataRouteOptions.js'

const eventListResponse = { 200: { type: 'array', items: eventSchema }, ...errorResponses }

export const eventRoutes: FastifyPluginCallback<DataRouteOptions> = (app, { onRequest }, done) => {
  app.get<{ Querystring: PageQuery }>('/getEvents', {
    onRequest,
    schema: { querystring: pageQuerySchema, response: eventListResponse }
  }, async (request, reply) => {
    const query = pageRequest(request.query)
    return sendPage(request, reply, await app.eventStore.listEventsJson(query), query.limit)
  })

  app.get<{ Params: { id: string }, Querystring: PageQuery }>('/getEventsByUserId/:id', {
    onRequest,
    schema: {
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      querystring: pageQuerySchema,
      response: eventListResponse
    }
  }, async (request, reply) => {
    const query = pageRequest(request.query)
    const page = await app.eventStore.listEventsByUserJson(request.params.id, query)
    if (page === undefined) {
      throw new GatewayError('GW_ERR_USER_NOT_FOUND', `No user has id ${JSON.stringify(request.params.id)}`)
    }
    return sendPage(request, reply, page, query.limit)
  })
  done()
}
