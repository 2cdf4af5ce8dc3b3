import fp from 'fastify-plugin'
import type { Clock } from '../../../utils/clock.js'
import { counter, gauge } from '../../operability/index.js'
import type { GatewaySettings } from '../settings.js'
import type { IdempotencyKeys } from './idempotencyKeys.js'
import { MemoryIdempotencyKeys } from './memoryIdempotencyKeys.js'
import { RedisIdempotencyKeys } from './redisIdempotencyKeys.js'
import type { IdempotencyOperation } from './redisIdempotencyKeys.js'
import { writeLeaseMs } from './writeLease.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Idempotency-Keys of writes. */
    idempotencyKeys: IdempotencyKeys
  }
}

export interface IdempotencyPluginOptions {
  readonly settings: Pick<GatewaySettings, 'idempotencyTtlMs' | 'idempotencyMaxKeys' | 'upstreamTimeoutMs' | 'upstreamMaxInflight' | 'upstreamMaxQueue'>
  readonly clock: Clock
  /** Replaces the registry (in this process, or shared through Redis when `app.redis` is set). */
  readonly keys?: IdempotencyKeys
}

const operations: readonly IdempotencyOperation[] = ['begin', 'succeed', 'fail', 'abandon', 'completed', 'count']
const endings: ReadonlySet<IdempotencyOperation> = new Set(['succeed', 'fail', 'abandon'])

const families = {
  idempotencyKeys: gauge('idempotency_keys', 'Idempotency keys currently remembered'),
  sharedStateErrors: counter('idempotency_shared_state_errors_total', 'Calls to the shared Idempotency-Keys that could not reach Redis, by operation', ['operation'])
}

/**
 * The Idempotency-Keys of writes: shared through Redis when `REDIS_URL` is set, so that a retry
 * landing on another instance is answered as on the first; otherwise held in this process.
 */
export const idempotencyPlugin = fp<IdempotencyPluginOptions>((app, options, done) => {
  const { settings } = options
  const metrics = app.metrics.register(families)
  for (const operation of operations) metrics.sharedStateErrors.inc({ operation }, 0)
  const bounds = {
    ttlMs: settings.idempotencyTtlMs,
    maxKeys: settings.idempotencyMaxKeys,
    clock: options.clock,
    // A retry after an unknown outcome waits one upstream timeout, so event.com is done with the first attempt before it is looked up.
    settleMs: settings.upstreamTimeoutMs
  }
  const keys = options.keys ?? (app.redis === undefined
    ? new MemoryIdempotencyKeys(bounds)
    : new RedisIdempotencyKeys({
      ...bounds,
      redis: app.redis,
      leaseMs: writeLeaseMs(settings),
      onUnavailable: (operation, error) => {
        metrics.sharedStateErrors.inc({ operation })
        // A write's 503 is logged with its request, and the outage once by the redis plugin; an ending that
        // did not land leaves its key in flight until the lease lapses, which is worth a warning each time.
        if (endings.has(operation)) app.log.warn({ err: error, operation }, 'the shared Idempotency-Key could not record how its attempt ended')
        else app.log.debug({ err: error, operation }, 'the shared Idempotency-Keys could not be reached')
      }
    }))
  metrics.idempotencyKeys.collect(async () => {
    // A Redis that is away leaves the gauge out of this scrape rather than failing it.
    const count = await keys.count().catch(() => undefined)
    return count === undefined ? [] : [[{}, count]]
  })
  app.decorate('idempotencyKeys', keys)
  done()
}, { name: 'idempotency-keys', fastify: '5.x', dependencies: ['metrics', 'redis'] })
