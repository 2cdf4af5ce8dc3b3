import fp from 'fastify-plugin'
import { counter, gauge } from '../operability/index.js'
import type { ClusterSettings } from './settings.js'
import { SharedRedis } from './sharedRedis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis shared by every instance; undefined when `REDIS_URL` is unset (one process, as before). */
    redis: SharedRedis | undefined
  }
}

export interface RedisPluginOptions {
  readonly settings: Pick<ClusterSettings, 'redisUrl' | 'redisTimeoutMs' | 'redisKeyPrefix'>
  /** A connection made elsewhere (a test's); closed with the app all the same. */
  readonly redis?: SharedRedis
}

const families = {
  redisUp: gauge('redis_up', 'Whether the shared Redis is connected (1) or not (0)'),
  redisConnectionErrors: counter('redis_connection_errors_total', 'Failed connections and dropped connections to the shared Redis')
}

const redisHealthSchema = { type: 'object', properties: { state: { type: 'string' } } } as const

/**
 * Connects to the shared Redis when `REDIS_URL` is set, reports it to /health and /metrics, and
 * closes it last. Redis being away does not stop the start: each area says what it does without it.
 */
export const redisPlugin = fp<RedisPluginOptions>(async (app, options) => {
  const { settings } = options
  const redis = options.redis ?? (settings.redisUrl === undefined
    ? undefined
    : new SharedRedis({ url: settings.redisUrl, timeoutMs: settings.redisTimeoutMs, keyPrefix: settings.redisKeyPrefix }))
  app.decorate('redis', redis)
  if (redis === undefined) return

  const metrics = app.metrics.register(families)
  metrics.redisUp.collect(() => [[{}, redis.state === 'ready' ? 1 : 0]])
  metrics.redisConnectionErrors.collect(() => [[{}, redis.connectionErrors]])
  app.health.report({ name: 'redis', schema: redisHealthSchema, read: () => ({ state: redis.state }) })

  let wasDown = false
  redis.client.on('close', () => {
    if (wasDown || redis.state === 'closed') return
    wasDown = true
    app.log.warn('the shared Redis is unreachable; reconnecting')
  })
  redis.onReady(() => {
    if (!wasDown) return
    wasDown = false
    app.log.info('the shared Redis is back')
  })
  await redis.connect()
  if (redis.state !== 'ready') app.log.warn('the shared Redis is unreachable at start; reconnecting')
  app.addHook('onClose', async () => { await redis.close() })
}, { name: 'redis', fastify: '5.x', dependencies: ['metrics', 'health'] })
