import fp from 'fastify-plugin'
import type { Clock } from '../../../utils/clock.js'
import { gauge } from '../../operability/index.js'
import type { GatewaySettings } from '../settings.js'
import type { IdempotencyKeys } from './idempotencyKeys.js'
import { MemoryIdempotencyKeys } from './memoryIdempotencyKeys.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Idempotency-Keys of writes. */
    idempotencyKeys: IdempotencyKeys
  }
}

export interface IdempotencyPluginOptions {
  readonly settings: Pick<GatewaySettings, 'idempotencyTtlMs' | 'idempotencyMaxKeys' | 'upstreamTimeoutMs'>
  readonly clock: Clock
  /** Replaces the in-process registry (a shared one, for instance). */
  readonly keys?: IdempotencyKeys
}

const families = {
  idempotencyKeys: gauge('idempotency_keys', 'Idempotency keys currently remembered')
}

export const idempotencyPlugin = fp<IdempotencyPluginOptions>((app, options, done) => {
  const { settings } = options
  const keys = options.keys ?? new MemoryIdempotencyKeys({
    ttlMs: settings.idempotencyTtlMs,
    maxKeys: settings.idempotencyMaxKeys,
    clock: options.clock,
    // A retry after an unknown outcome waits one upstream timeout, so event.com is done with the first attempt before it is looked up.
    settleMs: settings.upstreamTimeoutMs
  })
  app.metrics.register(families).idempotencyKeys.collect(async () => [[{}, await keys.count()]])
  app.decorate('idempotencyKeys', keys)
  done()
}, { name: 'idempotency-keys', fastify: '5.x', dependencies: ['metrics'] })
