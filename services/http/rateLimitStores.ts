import { createRequire } from 'node:module'
import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { Redis } from 'ioredis'

/** What a store answers for one counted request: the count in the current window, and the milliseconds left in it. */
export interface Count {
  readonly current: number
  readonly ttl: number
}

/** A counter per key in fixed windows: `incr` counts one more and answers the new count (at once for the local store). */
export type RateLimitStore = Pick<FastifyRateLimitStore, 'incr'>

interface StoreClasses {
  /** In this process: a bounded LRU of the most recent keys (toad-cache). */
  readonly LocalStore: new (continueExceeding: boolean, exponentialBackoff: boolean, cache: number) => RateLimitStore
  /** On Redis: one key per client under `prefix`, counted and expired by one Lua script. */
  readonly RedisStore: new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, prefix: string) => RateLimitStore
}

// The package's own stores, the ones its plugin builds; its index exports the plugin and normalizeIP, not them.
const require = createRequire(import.meta.url)
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreClasses['LocalStore']
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreClasses['RedisStore']

/** @fastify/rate-limit's in-process store, keeping the counts of the `clients` most recent keys. */
export function localRateLimitStore (clients: number): RateLimitStore {
  return new LocalStore(false, false, clients)
}

/** @fastify/rate-limit's Redis store, its keys under `prefix`, so that every instance counts against the same limit. */
export function redisRateLimitStore (redis: Redis, prefix: string): RateLimitStore {
  return new RedisStore(false, false, redis, prefix)
}
