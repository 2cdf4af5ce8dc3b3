import type { FastifyPluginCallback } from 'fastify'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import { userSchema } from '../schemas.js'
import type { DataRouteOptions } from './dataRouteOptions.js'

export const userRoutes: FastifyPluginCallback<DataRouteOptions> = (app, { onRequest }, done) => {
  app.get('/getUsers', {
    onRequest,
    schema: {
      operationId: 'getUsers',
      summary: 'Every user, with the ids of their events',
      tags: ['reads'],
      security: [],
      response: {
        200: success('The users, each with their event ids, oldest first', { type: 'array', items: userSchema }, { headers: { ...responseHeaders.rateLimit, ...responseHeaders.readConsistency } }),
        ...problems(['GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL', 'GW_ERR_STORE_NOT_READY'], { limited: true })
      }
    }
  }, () => app.eventStore.listUsers())
  done()
}
