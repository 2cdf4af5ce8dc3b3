import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { RetryableError, withoutStack } from './errors.js'

export interface RateLimitSettings {
  /** Reads per client per window; 0 turns the limit off. */
  readonly readMax: number
  /** Writes per client per window; 0 turns the limit off. */
  readonly writeMax: number
  /** The window, in milliseconds. */
  readonly windowMs: number
  /** Client addresses never limited. */
  readonly allowList: readonly string[]
  /** How long writes are refused anyway (the breaker's remaining open time), in milliseconds. */
  readonly writeWaitMs?: () => number
}

/** What a limited request reports, in the fields of the IETF httpapi RateLimit draft. */
export interface Quota {
  readonly policy: 'reads' | 'writes'
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

/**
 * Per-client limits, reads and writes counted apart, on @fastify/rate-limit's bounded LRU store.
 * Returns the onRequest hook for the data routes. Every limited response carries the draft's
 * `RateLimit-Policy` and `RateLimit` fields; a rejected one is a 429 problem whose Retry-After is
 * the larger of the window's reset and the breaker's own wait, so a client told to come back is
 * not turned away again by the other.
 */
export async function registerRateLimits (app: FastifyInstance, settings: RateLimitSettings): Promise<onRequestAsyncHookHandler | undefined> {
  if (settings.readMax === 0 && settings.writeMax === 0) return undefined
  await app.register(rateLimit, { global: false })

  const allowed = new Set(settings.allowList)
  const allowList = (request: FastifyRequest): boolean => allowed.has(request.ip) || allowed.has(request.ip.replace(/^::ffff:/, ''))
  const limiter = (max: number): ReturnType<FastifyInstance['createRateLimit']> | undefined =>
    max === 0 ? undefined : app.createRateLimit({ max, timeWindow: settings.windowMs, allowList })
  const reads = limiter(settings.readMax)
  const writes = limiter(settings.writeMax)
  const windowSeconds = Math.ceil(settings.windowMs / 1000)

  return async (request, reply) => {
    const isWrite = request.method === 'POST'
    const check = isWrite ? writes : reads
    if (check === undefined) return
    const result = await check(request)
    if (result.isAllowed) return

    const quota: Quota = {
      policy: isWrite ? 'writes' : 'reads',
      limit: result.max,
      windowSeconds,
      remaining: result.remaining,
      resetSeconds: result.ttlInSeconds
    }
    void reply.header('ratelimit-policy', formatPolicy(quota)).header('ratelimit', formatRateLimit(quota))
    if (result.isExceeded) {
      const waitMs = Math.max(result.ttl, isWrite ? settings.writeWaitMs?.() ?? 0 : 0)
      throw withoutStack(() => new RetryableError('GW_ERR_RATE_LIMITED', `More than ${result.max} ${quota.policy} per ${windowSeconds} s from this client`, waitMs))
    }
  }
}
