import fp from 'fastify-plugin'
import { gauge } from '../../operability/index.js'
import type { EventStore } from './eventStore.js'
import { MemoryEventStore } from './memoryEventStore.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What the gateway knows of event.com's users and events; the reads are served from it. */
    eventStore: EventStore
  }
}

export interface EventStorePluginOptions {
  /** Defaults to an empty MemoryEventStore, filled by hydration. */
  readonly store?: EventStore
}

const families = {
  storeUsers: gauge('store_users', 'Users in the gateway store'),
  storeEvents: gauge('store_events', 'Events in the gateway store')
}

export const eventStorePlugin = fp<EventStorePluginOptions>((app, options, done) => {
  const store = options.store ?? new MemoryEventStore()
  const metrics = app.metrics.register(families)
  metrics.storeUsers.collect(async () => [[{}, (await store.counts()).users]])
  metrics.storeEvents.collect(async () => [[{}, (await store.counts()).events]])
  app.decorate('eventStore', store)
  done()
}, { name: 'event-store', fastify: '5.x', dependencies: ['metrics'] })
