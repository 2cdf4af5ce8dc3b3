import type { FastifyInstance } from 'fastify'
import type { Event } from '../../utils/eventStore.js'
import { GatewayError } from '../../utils/errors.js'
import { errorResponses, eventSchema, idSchema } from '../schemas.js'

export interface AddEventBody {
  name: string
  userId: string | number
  details?: string
}

/** Largest accepted request body, in bytes. */
export const addEventBodyLimit = 64 * 1024

const bodySchema = {
  type: 'object',
  required: ['name', 'userId'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    userId: { anyOf: [idSchema, { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }] },
    details: { type: 'string', maxLength: 16_384 }
  }
} as const

/**
 * Forwards the event to event.com through the breaker, and stores it only once event.com accepted it:
 * every 2xx means event.com has the event, and no failed write ever shows up in reads.
 */
export function addEventRoute (app: FastifyInstance): void {
  app.post<{ Body: AddEventBody }>('/addEvent', {
    bodyLimit: addEventBodyLimit,
    schema: { body: bodySchema, response: { 201: eventSchema, ...errorResponses } }
  }, async (request, reply) => {
    const { store, breaker, eventService, generateId } = app.gateway
    const { name, details } = request.body
    const userId = String(request.body.userId)
    if (!await store.hasUser(userId)) {
      throw new GatewayError('GW_ERR_USER_NOT_FOUND', `No user has id ${JSON.stringify(userId)}`)
    }
    const event: Event = details === undefined
      ? { id: generateId(), name, userId }
      : { id: generateId(), name, userId, details }
    await breaker.execute(() => eventService.addEvent(event))
    await store.addEvent(event)
    return reply.code(201).send(event)
  })
}
