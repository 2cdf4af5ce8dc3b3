import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { createEventWrites } from './eventWrites.js'
import type { EventWrites } from './eventWrites.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Accepts a client's write: idempotency, forward to event.com, store; with hooks around it. */
    eventWrites: EventWrites
  }
}

export interface EventWritesPluginOptions {
  /** Makes the id of each new event (default: a random UUID). */
  readonly generateId?: () => string
}

export const eventWritesPlugin = fp<EventWritesPluginOptions>((app, options, done) => {
  app.decorate('eventWrites', createEventWrites({
    store: app.eventStore,
    forward: app.forwardEvent,
    keys: app.idempotencyKeys,
    generateId: options.generateId ?? randomUUID
  }))
  done()
}, { name: 'event-writes', fastify: '5.x', dependencies: ['event-store', 'event-service', 'idempotency-keys'] })
