import type { FastifyBaseLogger } from 'fastify'
import type { Random } from '../../../utils/clock.js'
import type { createExponentialBackoff } from '../../../utils/backoff.js'
import type { EventStore } from './eventStore.js'
import type { EventServiceClient } from '../upstream/eventServiceClient.js'
import { createHydrationLifecycle } from './hydrationLifecycle.js'

export type HydrationState = 'pending' | 'hydrating' | 'ready' | 'stopped'

/** Waits ms milliseconds; rejects or resolves early when signal aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>

export interface Hydrator {
  readonly state: HydrationState
  /** Failed attempts so far. */
  readonly failures: number
  /** Resolves once the store holds event.com's users and events; never rejects. */
  readonly hydrated: Promise<void>
  start: () => void
  /** Declares the store ready as it is, without loading anything (for a store filled by other means). */
  skip: () => void
  stop: () => void
}

export interface HydratorOptions {
  readonly store: EventStore
  readonly eventService: Pick<EventServiceClient, 'getUsers' | 'getEvents'>
  readonly backoff: ReturnType<typeof createExponentialBackoff>
  readonly random: Random
  readonly logger: FastifyBaseLogger
  readonly sleep?: Sleep
}

/**
 * Loads users and events from event.com, retrying with exponential backoff and jitter until it
 * succeeds: event.com fails a share of reads, and the gateway must come up even while it is down.
 */
export function createHydrator (options: HydratorOptions): Hydrator {
  const lifecycle = createHydrationLifecycle(options)
  return lifecycle.handle(async () => {
    while (!lifecycle.stopped()) {
      try {
        const users = await options.eventService.getUsers()
        if (lifecycle.stopped()) return
        // Events stream straight into the store: a million of them are never held twice.
        const { result: counts, skipped } = await options.eventService.getEvents((events) => options.store.load({ users: users.items, events }))
        if (lifecycle.stopped()) return
        options.logger.info({ ...counts, failures: lifecycle.failures, skipped: users.skipped + skipped }, 'store hydrated from the event service')
        lifecycle.markReady()
        return
      } catch (error) {
        await lifecycle.failed(error, 'hydration failed; retrying')
      }
    }
  })
}
