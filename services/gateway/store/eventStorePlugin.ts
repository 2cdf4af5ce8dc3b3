import fp from 'fastify-plugin'
import { counter, gauge } from '../../operability/index.js'
import type { EventStore } from './eventStore.js'
import { MemoryEventStore } from './memoryEventStore.js'
import { SharedEventStore } from './sharedEventStore.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What the gateway knows of event.com's users and events; the reads are served from it. */
    eventStore: EventStore
  }
}

export interface EventStorePluginOptions {
  /** Defaults to a SharedEventStore when the shared Redis is configured, otherwise an empty MemoryEventStore; filled by hydration. */
  readonly store?: EventStore
}

const families = {
  storeUsers: gauge('store_users', 'Users in the gateway store'),
  storeEvents: gauge('store_events', 'Events in the gateway store')
}

const sharedFamilies = {
  staleReads: counter('store_stale_reads_total', 'Reads served from the local index without making sure it holds every acknowledged event (Redis slow or away, shared state being rebuilt)'),
  outboxSize: gauge('store_outbox_events', 'Accepted events kept locally until the shared Redis takes them'),
  outboxDropped: counter('store_outbox_dropped_total', 'Accepted events dropped from a full outbox (event.com holds them; the next rehydration brings them back)'),
  streamLag: gauge('store_stream_lag_seconds', 'How far the local index is behind the newest entry of the shared stream seen'),
  reloads: counter('store_reloads_total', 'Local indexes rebuilt from the shared Redis (another instance\'s hydration or rebuild)')
}

export const eventStorePlugin = fp<EventStorePluginOptions>((app, options, done) => {
  const store = options.store ?? (app.redis === undefined ? new MemoryEventStore() : new SharedEventStore({ redis: app.redis, logger: app.log }))
  const metrics = app.metrics.register(families)
  metrics.storeUsers.collect(async () => [[{}, (await store.counts()).users]])
  metrics.storeEvents.collect(async () => [[{}, (await store.counts()).events]])
  if (store instanceof SharedEventStore) {
    const shared = app.metrics.register(sharedFamilies)
    shared.staleReads.collect(() => [[{}, store.stats.staleReads]])
    shared.outboxSize.collect(() => [[{}, store.stats.outboxSize]])
    shared.outboxDropped.collect(() => [[{}, store.stats.outboxDropped]])
    shared.streamLag.collect(() => [[{}, store.stats.streamLagMs / 1000]])
    shared.reloads.collect(() => [[{}, store.stats.reloads]])
    app.addHook('onClose', (_instance, next) => { store.close(); next() })
  }
  app.decorate('eventStore', store)
  done()
}, { name: 'event-store', fastify: '5.x', dependencies: ['metrics', 'redis'] })
