import { createHydrationLifecycle } from './hydrationLifecycle.js'
import type { Hydrator, HydratorOptions } from './hydrator.js'
import type { SharedEventStore } from './sharedEventStore.js'

export interface SharedHydratorOptions extends Omit<HydratorOptions, 'store'> {
  readonly store: SharedEventStore
  /** How long the hydration lock outlives a holder that stopped refreshing it, in milliseconds (default 10 000). */
  readonly lockTtlMs?: number
  /** How often an instance waiting for another's hydration looks again, in milliseconds (default 200). */
  readonly pollMs?: number
}

export interface SharedHydrator extends Hydrator {
  /** Hydrations from event.com this instance led (the first one included). */
  readonly rehydrations: number
}

/**
 * The Hydrator of instances sharing a Redis. The first to start takes the lock and loads event.com
 * into the shared store; the others wait for its generation and load that from Redis instead of
 * asking event.com again. When Redis loses the shared state (restarted empty), the same happens
 * once more while every instance keeps serving its local index, marked stale.
 */
export function createSharedHydrator (options: SharedHydratorOptions): SharedHydrator {
  const { store, eventService, logger } = options
  const pollMs = options.pollMs ?? 200
  const lock = store.hydrationLock(options.lockTtlMs ?? 10_000)
  const lifecycle = createHydrationLifecycle(options)
  const { stopped } = lifecycle
  let rehydrations = 0
  let rebuilding = false

  async function lead (): Promise<void> {
    const users = await eventService.getUsers()
    if (stopped()) return
    const { result: counts, skipped } = await eventService.getEvents((events) => store.load({ users: users.items, events }))
    rehydrations++
    logger.info({ ...counts, failures: lifecycle.failures, skipped: users.skipped + skipped, generation: store.generation }, 'store hydrated from the event service into the shared store')
  }

  /** Until this instance holds the shared generation: loaded from Redis, or from event.com under the lock. */
  async function establish (): Promise<void> {
    while (!stopped()) {
      try {
        const generation = await store.sharedGeneration()
        if (stopped()) return
        if (generation !== undefined) {
          await store.follow(generation)
          return
        }
        const held = await lock.acquire()
        if (held === undefined) {
          // Another instance is hydrating: its generation will appear.
          await lifecycle.pause(pollMs)
          continue
        }
        try {
          // It may have finished between the look and the lock.
          const finished = await store.sharedGeneration()
          if (finished !== undefined) await store.follow(finished)
          else await lead()
          return
        } finally {
          await held.release()
        }
      } catch (error) {
        await lifecycle.failed(error, 'shared hydration failed; retrying')
      }
    }
  }

  store.onGenerationChange((current) => {
    if (current !== undefined || lifecycle.state !== 'ready' || rebuilding || stopped()) return
    rebuilding = true
    logger.warn({ generation: store.generation }, 'the shared store is gone from Redis; rebuilding it (reads are served from the local index, marked stale)')
    void establish().finally(() => {
      rebuilding = false
      void store.checkGeneration()
    })
  })

  const hydrator: Hydrator = lifecycle.handle(async () => {
    await establish()
    if (!stopped()) lifecycle.markReady()
  })
  return Object.defineProperties(hydrator, {
    rehydrations: { get: () => rehydrations, enumerable: true }
  }) as SharedHydrator
}
