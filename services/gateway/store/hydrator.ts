import { setTimeout as sleepFor } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Random } from '../../../utils/clock.js'
import type { createExponentialBackoff } from '../../../utils/backoff.js'
import type { EventStore } from './eventStore.js'
import { isGatewayError } from '../../http/errors.js'
import type { EventServiceClient } from '../upstream/eventServiceClient.js'

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

const defaultSleep: Sleep = (ms, signal) => sleepFor(ms, undefined, { signal })

/**
 * Loads users and events from event.com, retrying with exponential backoff and jitter until it
 * succeeds: event.com fails a share of reads, and the gateway must come up even while it is down.
 */
export function createHydrator (options: HydratorOptions): Hydrator {
  const sleep = options.sleep ?? defaultSleep
  const controller = new AbortController()
  let state: HydrationState = 'pending'
  let failures = 0
  let markHydrated: () => void = () => undefined
  const hydrated = new Promise<void>((resolve) => { markHydrated = resolve })
  // A function, not a property read: the loop checks it again after each await.
  const stopped = (): boolean => controller.signal.aborted

  async function run (): Promise<void> {
    state = 'hydrating'
    while (!stopped()) {
      try {
        const users = await options.eventService.getUsers()
        if (stopped()) return
        // Events stream straight into the store: a million of them are never held twice.
        const { result: counts, skipped } = await options.eventService.getEvents((events) => options.store.load({ users: users.items, events }))
        if (stopped()) return
        state = 'ready'
        options.logger.info({ ...counts, failures, skipped: users.skipped + skipped }, 'store hydrated from the event service')
        markHydrated()
        return
      } catch (error) {
        const delayMs = options.backoff.delay(failures, options.random)
        failures++
        options.logger.warn({ failures, delayMs, code: isGatewayError(error) ? error.code : undefined, err: error }, 'hydration failed; retrying')
        await sleep(delayMs, controller.signal).catch(() => undefined)
      }
    }
  }

  return {
    get state () { return state },
    get failures () { return failures },
    hydrated,
    start () {
      if (state !== 'pending') return
      void run()
    },
    skip () {
      if (state !== 'pending') return
      state = 'ready'
      markHydrated()
    },
    stop () {
      if (state !== 'ready') state = 'stopped'
      controller.abort()
    }
  }
}
