import type { FastifyInstance } from 'fastify'
import type { Event } from '../store/eventStore.js'
import { GatewayError, isGatewayError } from '../../http/errors.js'
import { fingerprint, parseKey } from '../idempotency/memoryIdempotencyKeys.js'
import { errorResponses, eventSchema, idSchema } from '../../http/schemas.js'

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

const headersSchema = {
  type: 'object',
  properties: {
    'idempotency-key': { type: 'string', description: 'Makes retries safe: a repeat with the same key and body replays the first response' }
  }
} as const

/**
 * Forwards the event to event.com and stores it only once event.com accepted it: every 2xx means
 * event.com has the event, and no failed write ever shows up in reads. With an Idempotency-Key,
 * a repeat replays the stored response, and a retry after a failure reuses the same event id.
 */
export function addEventRoute (app: FastifyInstance): void {
  app.post<{ Body: AddEventBody }>('/addEvent', {
    bodyLimit: addEventBodyLimit,
    schema: { headers: headersSchema, body: bodySchema, response: { 201: eventSchema, ...errorResponses } }
  }, async (request, reply) => {
    const { store, writeEvent, idempotency, generateId } = app.gateway
    const key = parseKey(request.headers['idempotency-key'])
    const { name, details } = request.body
    const userId = String(request.body.userId)
    if (!await store.hasUser(userId)) {
      throw new GatewayError('GW_ERR_USER_NOT_FOUND', `No user has id ${JSON.stringify(userId)}`)
    }

    let eventId: string
    let uncertain = false
    if (key === undefined) {
      eventId = generateId()
    } else {
      const start = idempotency.begin(key, fingerprint('POST', '/addEvent', { name, userId, details }), generateId)
      if (start.kind === 'replay') return reply.code(start.status).header('idempotent-replayed', 'true').send(start.body)
      eventId = start.eventId
      uncertain = start.uncertain
    }

    const event: Event = details === undefined ? { id: eventId, name, userId } : { id: eventId, name, userId, details }
    try {
      await writeEvent(event, { requestId: request.id, uncertain })
      await store.addEvent(event)
    } catch (error) {
      if (key !== undefined) idempotency.fail(key, !isGatewayError(error) || error.outcome === 'outcome-unknown')
      throw error
    }
    if (key !== undefined) idempotency.succeed(key, 201, event)
    return reply.code(201).send(event)
  })
}
