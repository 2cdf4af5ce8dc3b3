import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { systemClock } from '../../utils/clock.js'
import type { Clock } from '../../utils/clock.js'
import { OutageReport } from '../../utils/outageReport.js'
import { withoutStack } from '../../utils/withoutStack.js'
import { RetryableError } from './errors.js'
import type { HttpSettings } from './settings.js'
import { asError } from '../../utils/asError.js'

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

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

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
type Verdict = Awaited<ReturnType<Limiter>>

/**
 * Per-client limits, one counter per policy: on @fastify/rate-limit's bounded LRU store in this
 * process, or, with the shared Redis (`app.redis`), on its Redis store under `<prefix>rate-limit:<policy>:`,
 * so every instance counts against the same limit. Every limited response carries the draft's
 * `RateLimit-Policy` and `RateLimit` fields; a rejected one is a 429 problem whose Retry-After is the
 * larger of the window's reset and the policy's own refusal (`refusedForMs`), so a client told to
 * come back is not turned away again by the other. A shared store that fails (each call has the
 * Redis deadline) lets the request through uncounted, without `RateLimit`: limits fail open, and
 * the failures are counted and logged once per outage and then once a minute.
 */
export const rateLimitPlugin = fp<RateLimitPluginOptions>(async (app, settings) => {
  const windowSeconds = Math.ceil(settings.rateLimitWindowMs / 1000)
  const maxima: Record<RatePolicy, number> = { reads: settings.rateLimitMax, writes: settings.rateLimitWriteMax, events: settings.rateLimitEventMax, admin: settings.rateLimitAdminMax }
  const limiters = new Map<RatePolicy, Limiter>()
  const policies = (Object.keys(maxima) as RatePolicy[]).filter((policy) => maxima[policy] > 0)
  const allowed = new Set(settings.rateLimitAllowList)
  // Given only when it lists someone: the plugin awaits it on every request it is given.
  const allowList = allowed.size === 0 ? undefined : (request: FastifyRequest): boolean => allowed.has(request.ip) || allowed.has(request.ip.replace(/^::ffff:/, ''))
  const redis = app.redis
  for (const policy of policies) {
    // One registration per policy, each with a store of its own: with Redis, a namespace of its own.
    await app.register(async (scope) => {
      await scope.register(rateLimit, {
        global: false,
        max: maxima[policy],
        timeWindow: settings.rateLimitWindowMs,
        ...(allowList !== undefined && { allowList }),
        ...(redis !== undefined && { redis: redis.client, nameSpace: redis.key(`rate-limit:${policy}:`) })
      })
      limiters.set(policy, scope.createRateLimit())
    })
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
   * The hook of one policy. It runs on every request, so it is a callback hook on the limiter's
   * promise, not an async function around it, and the policy's field is built once. A store that
   * fails lets the request through: the plugin's own `skipOnError` would too, but unseen (it
   * answers a count of 0 and drops the error); left off, the store's error reaches here, where it
   * is counted and logged.
   */
  function hook (policy: RatePolicy, options: PolicyOptions = {}): onRequestHookHandler | undefined {
    const check = limiters.get(policy)
    if (check === undefined) return undefined
    const limit = maxima[policy]
    const policyField = formatPolicy({ policy, limit, windowSeconds })
    const counted = (reply: FastifyReply, result: Verdict): Error | undefined => {
      outage.succeeded()
      if (result.isAllowed) return undefined
      void reply.header('ratelimit-policy', policyField)
        .header('ratelimit', formatRateLimit({ policy, limit, windowSeconds, remaining: result.remaining, resetSeconds: result.ttlInSeconds }))
      if (!result.isExceeded) return undefined
      const waitMs = Math.max(result.ttl, options.refusedForMs?.() ?? 0)
      return withoutStack(() => new RetryableError('GW_ERR_RATE_LIMITED', `More than ${limit} ${policy} per ${windowSeconds} s from this client`, waitMs))
    }
    const uncounted = (reply: FastifyReply, error: unknown): Error | undefined => {
      storeErrors.set(policy, (storeErrors.get(policy) ?? 0) + 1)
      outage.failed(error)
      void reply.header('ratelimit-policy', policyField)
      return undefined
    }
    // One reaction on the limiter's promise, not a chain of two: a throw still reaches `done`.
    return (request, reply, done) => {
      check(request).then((result) => { settle(done, counted, reply, result) }, (error: unknown) => { settle(done, uncounted, reply, error) })
    }
  }

  app.decorate('rateLimits', { hook, storeErrors: () => storeErrors.entries() })
}, { name: 'rate-limit', fastify: '5.x', dependencies: ['redis'] })
