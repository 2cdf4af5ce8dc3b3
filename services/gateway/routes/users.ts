import type { FastifyInstance } from 'fastify'
import { errorResponses, userSchema } from '../../http/schemas.js'

export function userRoutes (app: FastifyInstance): void {
  app.get('/getUsers', {
    schema: { response: { 200: { type: 'array', items: userSchema }, ...errorResponses } }
  }, () => app.gateway.store.listUsers())
}
