import fp from 'fastify-plugin'
import { createExponentialBackoff } from '../../../utils/backoff.js'
import type { Random } from '../../../utils/clock.js'
import { withoutStack } from '../../../utils/withoutStack.js'
import { RetryableError } from '../../http/errors.js'
import { counter } from '../../operability/index.js'
import { createHydrator } from './hydrator.js'
import type { Hydrator, Sleep } from './hydrator.js'
import { createSharedHydrator } from './sharedHydrator.js'
import { SharedEventStore } from './sharedEventStore.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Loads the store from event.com at start; the data routes wait for it. */
    hydrator: Hydrator
  }
}

export interface HydrationPluginOptions {
  readonly random: Random
  /** Hydrate the store from event.com once the app is ready (default true). False: the store is used as it is. */
  readonly hydrate?: boolean
  /** Waits between hydration attempts. */
  readonly sleep?: Sleep
}

/** Hydration retries quickly at first, then settles at one attempt every 10 s. */
const hydrationBackoff = createExponentialBackoff({ baseMs: 250, maxMs: 10_000 })

const families = {
  rehydrations: counter('store_rehydrations_total', 'Hydrations of the shared store from the event service this instance led (the first included)')
}

const storeHealthSchema = {
  type: 'object',
  properties: {
    state: { type: 'string' },
    users: { type: 'integer' },
    events: { type: 'integer' },
    hydrationFailures: { type: 'integer' },
    // With the shared store only: the generation held, and the events waiting for Redis.
    generation: { type: 'string' },
    outbox: { type: 'integer' }
  }
} as const

export function notReadyError (): RetryableError {
  return withoutStack(() => new RetryableError('GW_ERR_STORE_NOT_READY', 'Users and events are still being loaded from the event service', 1000))
}

/** Starts hydration once the app is ready, stops it on close, and reports it to /health and /ready. */
export const hydrationPlugin = fp<HydrationPluginOptions>((app, options, done) => {
  const store = app.eventStore
  const parts = {
    eventService: app.eventService,
    backoff: hydrationBackoff,
    random: options.random,
    logger: app.log,
    ...(options.sleep && { sleep: options.sleep })
  }
  let hydrator: Hydrator
  if (store instanceof SharedEventStore) {
    // Many instances: one hydrates from event.com, the others load what it wrote to Redis.
    const shared = createSharedHydrator({ ...parts, store })
    app.metrics.register(families).rehydrations.collect(() => [[{}, shared.rehydrations]])
    hydrator = shared
  } else {
    hydrator = createHydrator({ ...parts, store })
  }
  if (options.hydrate === false) hydrator.skip()
  app.decorate('hydrator', hydrator)
  app.health.report({
    name: 'store',
    schema: storeHealthSchema,
    read: async () => ({
      state: hydrator.state,
      ...await store.counts(),
      hydrationFailures: hydrator.failures,
      ...(store instanceof SharedEventStore && { ...(store.generation !== undefined && { generation: store.generation }), outbox: store.stats.outboxSize })
    })
  })
  app.health.readiness(() => hydrator.state === 'ready' ? undefined : notReadyError())
  app.addHook('onReady', (next) => { hydrator.start(); next() })
  app.addHook('onClose', (_instance, next) => { hydrator.stop(); next() })
  done()
}, { name: 'hydration', fastify: '5.x', dependencies: ['event-store', 'event-service', 'health', 'metrics'] })
