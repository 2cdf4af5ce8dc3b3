import { randomUUID } from 'node:crypto'
import type { FastifyPluginCallback, onRequestHookHandler } from 'fastify'
import { InvalidFieldError } from '../../http/errors.js'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import type { EngineClient } from '../engineClient.js'
import type { TriggerInput } from '../engine/triggers.js'
import { engineCall } from './engineErrors.js'
import { checkReplay } from './eventReplay.js'
import { triggerAnswerSchema, triggerEventBodySchema } from './schemas.js'
import type { TriggerEventBody } from './schemas.js'
import type { UserLookup } from './userView.js'
import { userViewOf } from './userView.js'

export interface TriggerEventRouteOptions {
  readonly engine: EngineClient
  readonly users: UserLookup
  readonly limit: onRequestHookHandler | undefined
}

/**
 * POST /api/trigger-event: records a behavioural event and starts the flows it triggers. A 202
 * means the event and its runs are durably recorded; a repeat of the same `id` gets the first
 * answer again with 200 and `Idempotent-Replayed: true`, and starts nothing; the same `id` with
 * other content is refused with 409 GW_ERR_EVENT_ID_CONFLICT.
 */
export const triggerEventRoute: FastifyPluginCallback<TriggerEventRouteOptions> = (app, options, done) => {
  const { engine, users } = options
  app.post<{ Body: TriggerEventBody }>('/api/trigger-event', {
    ...(options.limit !== undefined && { onRequest: [options.limit] }),
    config: { reportsOutcome: true },
    schema: {
      operationId: 'triggerEvent',
      summary: 'Record a behavioural event and start the flows it triggers',
      tags: ['journeys'],
      security: [],
      body: triggerEventBodySchema,
      response: {
        200: success('A repeat of an event already recorded: its first answer', triggerAnswerSchema, { headers: { ...responseHeaders.idempotentReplayed, ...responseHeaders.rateLimit } }),
        202: success('The event and the runs it started are recorded', triggerAnswerSchema, { headers: responseHeaders.rateLimit }),
        ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_REQUEST_MALFORMED_JSON', 'GW_ERR_REQUEST_TIMEOUT', 'GW_ERR_EVENT_ID_CONFLICT', 'GW_ERR_REQUEST_TOO_LARGE', 'GW_ERR_REQUEST_MEDIA_TYPE',
          'GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL', 'GW_ERR_JOURNEYS_UNAVAILABLE'], { writes: true, limited: true })
      }
    }
  }, async (request, reply) => {
    const { body } = request
    if (body.occurredAt !== undefined && Number.isNaN(Date.parse(body.occurredAt))) throw new InvalidFieldError('body/occurredAt', 'is not a date')
    const userId = String(body.userId)
    const input: TriggerInput = {
      id: body.id ?? randomUUID(),
      name: body.name,
      userId,
      email: body.email,
      properties: body.properties ?? {},
      occurredAt: body.occurredAt === undefined ? undefined : new Date(body.occurredAt).toISOString(),
      user: await userViewOf(users, userId, body.email),
      source: 'api'
    }
    const { replayed, ...rest } = await engineCall(() => engine.triggerEvent(input))
    if (replayed) {
      await checkReplay(engine, input)
      return reply.code(200).header('idempotent-replayed', 'true').send(rest)
    }
    return reply.code(202).send(rest)
  })
  done()
}
