import { setTimeout as sleepFor } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Random } from '../../../utils/clock.js'
import type { createExponentialBackoff } from '../../../utils/backoff.js'
import { isGatewayError } from '../../http/errors.js'
import type { Hydrator, HydrationState, Sleep } from './hydrator.js'

const defaultSleep: Sleep = (ms, signal) => sleepFor(ms, undefined, { signal })

export interface HydrationLifecycleOptions {
  readonly backoff: ReturnType<typeof createExponentialBackoff>
  readonly random: Random
  readonly logger: FastifyBaseLogger
  readonly sleep?: Sleep
}

/**
 * What every hydrator has in common: its state, its count of failed attempts, the promise that
 * resolves once it is ready, stopping, and the backoff between attempts. `handle` makes the
 * Hydrator the app sees, running `run` once on `start`.
 */
export interface HydrationLifecycle {
  state: HydrationState
  readonly failures: number
  /** A function, not a property read: loops check it again after each await. */
  readonly stopped: () => boolean
  /** Waits `ms` or until stopped. */
  readonly pause: (ms: number) => Promise<void>
  /** The store holds what it should: ready, and `hydrated` resolves. */
  readonly markReady: () => void
  /** Logs a failed attempt and waits out its backoff (or until stopped). */
  readonly failed: (error: unknown, message: string) => Promise<void>
  readonly handle: (run: () => Promise<void>) => Hydrator
}

export function createHydrationLifecycle (options: HydrationLifecycleOptions): HydrationLifecycle {
  const sleep = options.sleep ?? defaultSleep
  const controller = new AbortController()
  let failures = 0
  let markHydrated: () => void = () => undefined
  const hydrated = new Promise<void>((resolve) => { markHydrated = resolve })
  const lifecycle: HydrationLifecycle = {
    state: 'pending',
    get failures () { return failures },
    stopped: () => controller.signal.aborted,
    pause: (ms) => sleep(ms, controller.signal).catch(() => undefined),
    markReady () {
      lifecycle.state = 'ready'
      markHydrated()
    },
    async failed (error, message) {
      const delayMs = options.backoff.delay(failures, options.random)
      failures++
      options.logger.warn({ failures, delayMs, code: isGatewayError(error) ? error.code : undefined, err: error }, message)
      await lifecycle.pause(delayMs)
    },
    handle: (run) => ({
      get state () { return lifecycle.state },
      get failures () { return failures },
      hydrated,
      start () {
        if (lifecycle.state !== 'pending') return
        lifecycle.state = 'hydrating'
        void run()
      },
      skip () {
        if (lifecycle.state !== 'pending') return
        lifecycle.markReady()
      },
      stop () {
        if (lifecycle.state !== 'ready') lifecycle.state = 'stopped'
        controller.abort()
      }
    })
  }
  return lifecycle
}
