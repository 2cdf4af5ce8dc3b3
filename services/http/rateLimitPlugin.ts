import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { withoutStack } from '../../utils/withoutStack.js'
import { RetryableError } from './errors.js'
import type { HttpSettings } from './settings.js'

/** Each policy is counted apart, per client address. */
export type RatePolicy = 'reads' | 'writes' | 'events' | 'admin'

export interface PolicyOptions {
  /** How long these requests are refused anyway (e.g. the breaker's remaining open time), in milliseconds: a 429's Retry-After is at least this. */
  readonly refusedForMs?: () => number
}

/** What the rate-limit plugin decorates: the onRequest hook of each policy, for the routes it applies to. */
export interface RateLimits {
  /** The hook that counts a request against `policy`; undefined when that limit is off. */
  readonly hook: (policy: RatePolicy, options?: PolicyOptions) => onRequestAsyncHookHandler | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: RateLimits
  }
}

export type RateLimitPluginOptions = Pick<HttpSettings, 'rateLimitMax' | 'rateLimitWriteMax' | 'rateLimitEventMax' | 'rateLimitAdminMax' | 'rateLimitWindowMs' | 'rateLimitAllowList'>

/** What a limited request reports, in the fields of the IETF httpapi RateLimit draft. */
export interface Quota {
  readonly policy: RatePolicy
  readonly limit: number
  readonly windowSeconds: number
  readonly remaining: number
  readonly resetSeconds: number
}

/** `RateLimit-Policy: "writes";q=3000;w=60` */
export function formatPolicy (quota: Quota): string {
  return `"${quota.policy}";q=${quota.limit};w=${quota.windowSeconds}`
}

/** `RateLimit: "writes";r=2999;t=60` */
export function formatRateLimit (quota: Quota): string {
  return `"${quota.policy}";r=${quota.remaining};t=${quota.resetSeconds}`
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/**
 * Per-client limits on @fastify/rate-limit's bounded LRU store, one counter per policy. Every
 * limited response carries the draft's `RateLimit-Policy` and `RateLimit` fields; a rejected one is
 * a 429 problem whose Retry-After is the larger of the window's reset and the policy's own refusal
 * (`refusedForMs`), so a client told to come back is not turned away again by the other.
 */
export const rateLimitPlugin = fp<RateLimitPluginOptions>(async (app, settings) => {
  const windowSeconds = Math.ceil(settings.rateLimitWindowMs / 1000)
  const maxima: Record<RatePolicy, number> = { reads: settings.rateLimitMax, writes: settings.rateLimitWriteMax, events: settings.rateLimitEventMax, admin: settings.rateLimitAdminMax }
  const limiters = new Map<RatePolicy, Limiter>()
  const policies = (Object.keys(maxima) as RatePolicy[]).filter((policy) => maxima[policy] > 0)
  if (policies.length > 0) {
    await app.register(rateLimit, { global: false })
    const allowed = new Set(settings.rateLimitAllowList)
    const allowList = (request: FastifyRequest): boolean => allowed.has(request.ip) || allowed.has(request.ip.replace(/^::ffff:/, ''))
    for (const policy of policies) limiters.set(policy, app.createRateLimit({ max: maxima[policy], timeWindow: settings.rateLimitWindowMs, allowList }))
  }

  function hook (policy: RatePolicy, options: PolicyOptions = {}): onRequestAsyncHookHandler | undefined {
    const check = limiters.get(policy)
    if (check === undefined) return undefined
    return async (request, reply) => {
      const result = await check(request)
      if (result.isAllowed) return
      const quota: Quota = { policy, limit: result.max, windowSeconds, remaining: result.remaining, resetSeconds: result.ttlInSeconds }
      void reply.header('ratelimit-policy', formatPolicy(quota)).header('ratelimit', formatRateLimit(quota))
      if (result.isExceeded) {
        const waitMs = Math.max(result.ttl, options.refusedForMs?.() ?? 0)
        throw withoutStack(() => new RetryableError('GW_ERR_RATE_LIMITED', `More than ${result.max} ${policy} per ${windowSeconds} s from this client`, waitMs))
      }
    }
  }

  app.decorate('rateLimits', { hook })
}, { name: 'rate-limit', fastify: '5.x' })
