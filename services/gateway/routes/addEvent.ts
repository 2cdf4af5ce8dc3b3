import type { FastifyPluginCallback } from 'fastify'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import { idSchema } from '../../http/schemas.js'
import { parseKey } from '../idempotency/keyHeader.js'
import { eventSchema } from '../schemas.js'
import type { DataRouteOptions } from './dataRouteOptions.js'

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

/** POST /addEvent: maps HTTP onto the write path (`eventWrites.accept`), and its answer back. */
export const addEventRoute: FastifyPluginCallback<DataRouteOptions> = (app, { onRequest }, done) => {
  app.post<{ Body: AddEventBody }>('/addEvent', {
    onRequest,
    bodyLimit: addEventBodyLimit,
    config: { reportsOutcome: true },
    schema: {
      operationId: 'addEvent',
      summary: 'Add an event: forwarded to event.com, stored once event.com has it',
      tags: ['writes'],
      security: [],
      headers: headersSchema,
      body: bodySchema,
      response: {
        201: success('The event as stored, with the id the gateway gave it', eventSchema, { headers: { ...responseHeaders.idempotentReplayed, ...responseHeaders.rateLimit } }),
        ...problems([
          'GW_ERR_REQUEST_INVALID', 'GW_ERR_REQUEST_MALFORMED_JSON', 'GW_ERR_USER_NOT_FOUND', 'GW_ERR_REQUEST_TIMEOUT', 'GW_ERR_IDEMPOTENCY_IN_FLIGHT',
          'GW_ERR_REQUEST_TOO_LARGE', 'GW_ERR_REQUEST_MEDIA_TYPE', 'GW_ERR_IDEMPOTENCY_MISMATCH', 'GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL',
          'GW_ERR_UPSTREAM_STATUS', 'GW_ERR_UPSTREAM_UNREACHABLE', 'GW_ERR_UPSTREAM_DISCONNECTED', 'GW_ERR_UPSTREAM_INVALID_RESPONSE',
          'GW_ERR_BREAKER_OPEN', 'GW_ERR_BULKHEAD_FULL', 'GW_ERR_STORE_NOT_READY', 'GW_ERR_SHARED_STATE_UNAVAILABLE', 'GW_ERR_JOURNEYS_UNAVAILABLE',
          'GW_ERR_UPSTREAM_TIMEOUT'
        ], { writes: true, limited: true })
      }
    }
  }, async (request, reply) => {
    const { name, details } = request.body
    const accepted = await app.eventWrites.accept(
      { name, userId: String(request.body.userId), details },
      { requestId: request.id, idempotencyKey: parseKey(request.headers['idempotency-key']) }
    )
    if (accepted.replayed) void reply.header('idempotent-replayed', 'true')
    return reply.code(accepted.status).send(accepted.event)
  })
  done()
}
