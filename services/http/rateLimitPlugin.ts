import { normalizeIP } from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Socket } from 'node:net'
import { systemClock } from '../../utils/clock.js'
import type { Clock } from '../../utils/clock.js'
import { OutageReport } from '../../utils/outageReport.js'
import { withoutStack } from '../../utils/withoutStack.js'
import { RetryableError } from './errors.js'
import type { HttpSettings } from './settings.js'
import { asError } from '../../utils/asError.js'
import { localRateLimitStore, redisRateLimitStore } from './rateLimitStores.js'
import type { Count, RateLimitStore } from './rateLimitStores.js'

/** Each policy is counted apart, per client address. */
export type RatePolicy = 'reads' | 'writes' | 'events' | 'admin'

export interface PolicyOptions {
  /** How long these requests are refused anyway (e.g. the breaker's remaining open time), in milliseconds: a 429's Retry-After is at least this. */
  readonly refusedForMs?: () => number
}

/** What the rate-limit plugin decorates: the onRequest hook of each policy, for the routes it applies to. */
export interface RateLimits {
  /** The hook that counts a request against `policy`; undefined when that limit is off. */
  readonly hook: (policy: RatePolicy, options?: PolicyOptions) => onRequestHookHandler | undefined
  /** Requests let through uncounted because the shared store failed, by policy, so far; read by the metrics. */
  readonly storeErrors: () => Iterable<readonly [RatePolicy, number]>
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: RateLimits
  }
}

export type RateLimitPluginOptions = Pick<HttpSettings, 'rateLimitMax' | 'rateLimitWriteMax' | 'rateLimitEventMax' | 'rateLimitAdminMax' | 'rateLimitWindowMs' | 'rateLimitAllowList'> & {
  /** Spaces the log lines of a failing shared store; the system clock by default. */
  readonly clock?: Clock
}

/** While the shared store fails, at most one log line per this span, in milliseconds. */
const storeFailureLogIntervalMs = 60_000

/** What a limited request reports, in the fields of the IETF httpapi RateLimit draft. */
export interface Quota {
  readonly policy: RatePolicy
  readonly limit: number
  readonly windowSeconds: number
  readonly remaining: number
  readonly resetSeconds: number
}

/** `RateLimit-Policy: "writes";q=3000;w=60` */
export function formatPolicy (quota: Pick<Quota, 'policy' | 'limit' | 'windowSeconds'>): string {
  return `"${quota.policy}";q=${quota.limit};w=${quota.windowSeconds}`
}

/** `RateLimit: "writes";r=2999;t=60` */
export function formatRateLimit (quota: Quota): string {
  return `"${quota.policy}";r=${quota.remaining};t=${quota.resetSeconds}`
}

const clientKeyOf = Symbol('rateLimitClientKey')

/**
 * The client a request is counted against: the package's own key (`normalizeIP`: an IPv4 address, or
 * the /64 of an IPv6 one), worked out once per connection, since a connection's address never
 * changes (the gateway does not take client addresses from forwarding headers).
 */
function clientKey (request: FastifyRequest): string {
  const socket = request.raw.socket as Socket & { [clientKeyOf]?: string | undefined }
  return socket[clientKeyOf] ??= normalizeIP(request.ip)
}

/** Clients whose counts the in-process store keeps, per policy (the least recent beyond are forgotten): @fastify/rate-limit's default. */
const trackedClients = 5000

/** Ends a hook with what `verdict` decides, or with what it throws. */
function settle<T> (done: HookHandlerDoneFunction, verdict: (reply: FastifyReply, value: T) => Error | undefined, reply: FastifyReply, value: T): void {
  let outcome: Error | undefined
  try {
    outcome = verdict(reply, value)
  } catch (error) {
    outcome = asError(error)
  }
  done(outcome)
}

/**
 * Per-client limits, one counter per policy: on @fastify/rate-limit's bounded LRU store in this
 * process, or, with the shared Redis (`app.redis`), on its Redis store under `<prefix>rate-limit:<policy>:`,
 * so every instance counts against the same limit. Every limited response carries the draft's
 * `RateLimit-Policy` and `RateLimit` fields; a rejected one is a 429 problem whose Retry-After is the
 * larger of the window's reset and the policy's own refusal (`refusedForMs`), so a client told to
 * come back is not turned away again by the other. A shared store that fails (each call has the
 * Redis deadline) lets the request through uncounted, without `RateLimit`: limits fail open, and
 * the failures are counted and logged once per outage and then once a minute.
 *
 * The counting is the package's own: its stores, asked with its client key (`normalizeIP`: an IPv4
 * address, or the /64 of an IPv6 one). What asks them is this plugin's hook, not the package's
 * `createRateLimit()`: that one joins its arguments with the request (an `Array.prototype.concat`
 * off V8's fast path), reads `request.routeOptions` (an object built on every read) and goes
 * through two promises for a store that answers at once; on a rejected write that was a tenth of
 * the work (`bench/SHORTFALLS.md`).
 */
export const rateLimitPlugin = fp<RateLimitPluginOptions>((app, settings, done) => {
  const windowSeconds = Math.ceil(settings.rateLimitWindowMs / 1000)
  const maxima: Record<RatePolicy, number> = { reads: settings.rateLimitMax, writes: settings.rateLimitWriteMax, events: settings.rateLimitEventMax, admin: settings.rateLimitAdminMax }
  const stores = new Map<RatePolicy, RateLimitStore>()
  const policies = (Object.keys(maxima) as RatePolicy[]).filter((policy) => maxima[policy] > 0)
  const allowed = new Set(settings.rateLimitAllowList)
  const listed = (request: FastifyRequest): boolean => allowed.size > 0 && (allowed.has(request.ip) || allowed.has(request.ip.replace(/^::ffff:/, '')))
  const redis = app.redis
  for (const policy of policies) {
    // A store per policy: with Redis, a namespace of its own.
    stores.set(policy, redis === undefined ? localRateLimitStore(trackedClients) : redisRateLimitStore(redis.client, redis.key(`rate-limit:${policy}:`)))
  }

  const storeErrors = new Map<RatePolicy, number>()
  const outage = new OutageReport({
    clock: settings.clock ?? systemClock,
    intervalMs: storeFailureLogIntervalMs,
    onFailing: (error, failures) => {
      app.log.warn({ err: error, failures }, 'rate limits are not counted: the shared Redis failed, requests are let through')
    },
    onRecovered: (failures) => { app.log.info({ failures }, 'rate limits are counted again') }
  })

  /**
   * The hook of one policy. It runs on every request, so it is a callback hook on the store's
   * callback, with no promise between them, and the policy's field is built once. A store that
   * fails lets the request through, counted and logged.
   */
  function hook (policy: RatePolicy, options: PolicyOptions = {}): onRequestHookHandler | undefined {
    const store = stores.get(policy)
    if (store === undefined) return undefined
    const windowMs = settings.rateLimitWindowMs
    const limit = maxima[policy]
    const policyField = formatPolicy({ policy, limit, windowSeconds })
    const counted = (reply: FastifyReply, result: Count): Error | undefined => {
      outage.succeeded()
      void reply.header('ratelimit-policy', policyField)
        .header('ratelimit', formatRateLimit({ policy, limit, windowSeconds, remaining: Math.max(0, limit - result.current), resetSeconds: Math.ceil(result.ttl / 1000) }))
      if (result.current <= limit) return undefined
      const waitMs = Math.max(result.ttl, options.refusedForMs?.() ?? 0)
      return withoutStack(() => new RetryableError('GW_ERR_RATE_LIMITED', `More than ${limit} ${policy} per ${windowSeconds} s from this client`, waitMs))
    }
    const uncounted = (reply: FastifyReply, error: unknown): Error | undefined => {
      storeErrors.set(policy, (storeErrors.get(policy) ?? 0) + 1)
      outage.failed(error)
      void reply.header('ratelimit-policy', policyField)
      return undefined
    }
    const answered = (reply: FastifyReply, next: HookHandlerDoneFunction) => (error: Error | null, result?: Count): void => {
      if (error === null && result !== undefined) settle(next, counted, reply, result)
      else settle(next, uncounted, reply, error)
    }
    return (request, reply, next) => {
      // Allow-listed clients are not counted, and get no RateLimit fields.
      if (listed(request)) {
        next()
        return
      }
      // Whatever `counted` throws still reaches `next`, through `settle`.
      store.incr(clientKey(request), answered(reply, next), windowMs, limit)
    }
  }

  app.decorate('rateLimits', { hook, storeErrors: () => storeErrors.entries() })
  done()
}, { name: 'rate-limit', fastify: '5.x', dependencies: ['redis'] })
