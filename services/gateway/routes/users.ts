import type { FastifyPluginCallback } from 'fastify'
import { errorResponses } from '../../http/schemas.js'
import { userSchema } from '../schemas.js'
import type { DataRouteOptions } from './dataRouteOptions.js'

export const userRoutes: FastifyPluginCallback<DataRouteOptions> = (app, { onRequest }, done) => {
  app.get('/getUsers', {
    onRequest,
    schema: { response: { 200: { type: 'array', items: userSchema }, ...errorResponses } }
  }, () => app.eventStore.listUsers())
  done()
}
