import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { flowRoutes } from './api/flowRoutes.js'
import { analyticsRoute } from './api/analyticsRoute.js'
import { eventRoutes } from './api/eventRoutes.js'
import { managementGuard } from './api/managementGuard.js'
import { managementLimit } from './api/managementLimit.js'
import type { SessionCheck } from './api/managementGuard.js'
import { runRoutes } from './api/runRoutes.js'
import { triggerEventRoute } from './api/triggerEventRoute.js'
import { settlePending, writeTriggers } from './api/writeTriggers.js'

export interface JourneysPluginOptions {
  readonly adminToken: string | undefined
  /** Browser sessions (the dashboard's) that the management routes accept besides the bearer token. */
  readonly sessions?: SessionCheck
  /** How long a write waits for an engine still starting, and how old a pending trigger is before it is settled, in milliseconds. */
  readonly upstreamTimeoutMs: number
}

/**
 * The journeys API over the engine (journeys-engine): its routes, and the write path hooked in
 * (accepted writes are trigger events, and those left pending are settled against event.com).
 * What an api process (or one with ROLE=all) serves.
 */
const journeys: FastifyPluginAsync<JourneysPluginOptions> = async (app, options) => {
  const engine = app.journeys
  const users = (userId: string): ReturnType<typeof app.eventStore.getUser> => app.eventStore.getUser(userId)

  const hook = writeTriggers({ engine, users, log: app.log, startWaitMs: options.upstreamTimeoutMs })
  app.eventWrites.addHook(hook)
  const settle = (): void => {
    if (engine.state !== 'ready') return
    settlePending({ engine, users, hasEvent: (id) => app.eventService.hasEvent(id), olderThanMs: options.upstreamTimeoutMs + 1000, skip: hook.inFlight, log: app.log })
      .catch((error: unknown) => { app.log.warn({ err: error }, 'settling pending triggers failed; the next pass will try again') })
  }
  const settler = setInterval(settle, 5000)
  settler.unref()
  void engine.ready.then(settle, () => undefined)

  const guard = managementGuard(options.adminToken, options.sessions)
  const onRequest = [managementLimit(app.rateLimits.hook('admin'), app.rateLimits.hook('reads'), options.sessions), guard]
  await app.register(triggerEventRoute, { engine, users, limit: app.rateLimits.hook('events') })
  await app.register(flowRoutes, { engine, onRequest })
  await app.register(runRoutes, { engine, onRequest })
  await app.register(eventRoutes, { engine, onRequest })
  await app.register(analyticsRoute, { engine, onRequest })

  app.addHook('onClose', () => { clearInterval(settler) })
}

export const journeysPlugin = fp(journeys, { name: 'journeys', fastify: '5.x', dependencies: ['journeys-engine', 'event-writes', 'event-store', 'event-service', 'rate-limit'] })
