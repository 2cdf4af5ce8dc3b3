import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../../http/errors.js'
import { sendPage } from '../../http/paging.js'
import { errorResponses, eventSchema, idSchema, pageQuerySchema, pageRequest } from '../../http/schemas.js'
import type { PageQuery } from '../../http/schemas.js'

const eventListResponse = { 200: { type: 'array', items: eventSchema }, ...errorResponses }

export function eventRoutes (app: FastifyInstance): void {
  app.get<{ Querystring: PageQuery }>('/getEvents', {
    schema: { querystring: pageQuerySchema, response: eventListResponse }
  }, async (request, reply) => {
    const query = pageRequest(request.query)
    return sendPage(request, reply, await app.gateway.store.listEventsJson(query), query.limit)
  })

  app.get<{ Params: { id: string }, Querystring: PageQuery }>('/getEventsByUserId/:id', {
    schema: {
      params: { type: 'object', required: ['id'], properties: { id: idSchema } },
      querystring: pageQuerySchema,
      response: eventListResponse
    }
  }, async (request, reply) => {
    const query = pageRequest(request.query)
    const page = await app.gateway.store.listEventsByUserJson(request.params.id, query)
    if (page === undefined) {
      throw new GatewayError('GW_ERR_USER_NOT_FOUND', `No user has id ${JSON.stringify(request.params.id)}`)
    }
    return sendPage(request, reply, page, query.limit)
  })
}
