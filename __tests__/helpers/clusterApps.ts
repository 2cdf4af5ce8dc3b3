import { onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../services/app.js'
import type { AppOptions } from '../../services/app.js'
import { SharedRedis } from '../../services/cluster/index.js'
import pino from 'pino'
import { SharedEventStore } from '../../services/gateway/store/sharedEventStore.js'
import type { SharedEventStoreOptions } from '../../services/gateway/store/sharedEventStore.js'
import { createInProcessEventService } from '../../mocks/inProcessEventService.js'
import type { InProcessEventService } from '../../mocks/inProcessEventService.js'
import { EVENT_SERVICE_ORIGIN } from '../../mocks/origin.js'
import { deleteKeys, sharedRedisUrl, uniquePrefix } from './redisServers.js'
import { createTestSeed } from './seed.js'
import { testConfig, withConfig } from './testConfig.js'

/** event.com for many gateway instances: its in-process model, and how often its bulk reads were asked for. */
export interface ClusterUpstream extends InProcessEventService {
  readonly calls: { getUsers: number, getEvents: number }
}

export function createClusterUpstream (): ClusterUpstream {
  const calls = { getUsers: 0, getEvents: 0 }
  const upstream = createInProcessEventService({
    seed: createTestSeed(),
    scenario: { name: 'healthy' },
    readFailureRate: 0,
    getEventByIdDelayMs: 0,
    addEventFailureDelayMs: 0,
    random: () => 0.5,
    onRequest: ({ method, path }) => {
      if (method === 'GET' && path.startsWith('/getUsers')) calls.getUsers++
      if (method === 'GET' && path.startsWith('/getEvents')) calls.getEvents++
    }
  })
  onTestFinished(() => upstream.dispatcher.destroy())
  return { ...upstream, calls }
}

export interface ClusterInstance {
  readonly app: FastifyInstance
  readonly redis: SharedRedis
  readonly store: SharedEventStore
}

/**
 * One gateway instance on `url` under `keyPrefix`, reaching `upstream` in-process, with a shared
 * store; started (not waited for: see `hydrator.hydrated`) and closed when the test ends.
 */
export async function startClusterInstance (options: {
  readonly upstream: ClusterUpstream
  readonly keyPrefix: string
  readonly url?: string
  readonly timeoutMs?: number
  /** Options of the instance's shared store; by default the app makes it. */
  readonly store?: Partial<Omit<SharedEventStoreOptions, 'redis'>>
  readonly app?: Partial<AppOptions>
}): Promise<ClusterInstance> {
  const redis = new SharedRedis({ url: options.url ?? sharedRedisUrl, timeoutMs: options.timeoutMs ?? 1000, keyPrefix: options.keyPrefix, name: 'test' })
  const config = withConfig(testConfig, { gateway: { eventServiceUrl: EVENT_SERVICE_ORIGIN } })
  const app = await buildApp({
    config,
    random: () => 0.5,
    processMetrics: false,
    redis,
    ...(options.store && { store: new SharedEventStore({ redis, logger: pino({ level: 'silent' }), ...options.store }) }),
    eventServiceDispatcher: options.upstream.dispatcher,
    ...options.app
  })
  onTestFinished(() => app.close())
  await app.ready()
  if (!(app.eventStore instanceof SharedEventStore)) throw new TypeError('the instance does not have a shared store')
  return { app, redis, store: app.eventStore }
}

/** A fresh key prefix on the machine's Redis, whose keys are deleted when the test ends. */
export function clusterPrefix (url = sharedRedisUrl): string {
  const prefix = uniquePrefix()
  onTestFinished(() => deleteKeys(url, prefix).catch(() => undefined))
  return prefix
}
