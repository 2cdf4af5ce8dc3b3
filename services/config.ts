import { isIP } from 'node:net'
import { GatewayError } from './http/errors.js'

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof logLevels[number]

/** Validated, frozen settings. Durations are in milliseconds. */
export interface Config {
  readonly port: number
  readonly host: string
  /** Base URL of event.com; undefined means "run the built-in mock". */
  readonly eventServiceUrl: string | undefined
  readonly logLevel: LogLevel
  /** Longest wait for one call to event.com, from sending to the end of the response. */
  readonly upstreamTimeoutMs: number
  /** Longest wait for hydration's reads of all users and all events. */
  readonly hydrationTimeoutMs: number
  /** Consecutive failures (within breakerWindowMs) that open the breaker. */
  readonly breakerFailureThreshold: number
  /** The span in which breakerFailureThreshold failures must fall to open the breaker. */
  readonly breakerWindowMs: number
  /** First open period; each failed probe doubles it. */
  readonly breakerBackoffBaseMs: number
  /** Longest open period, also the cap on an upstream Retry-After. */
  readonly breakerBackoffMaxMs: number
  /** A failed-probe backoff step is forgotten after each such span of healthy operation. */
  readonly breakerDecayMs: number
  /** Calls slower than this count as slow for slow-call tripping; 0 turns it off. */
  readonly breakerSlowCallMs: number
  /** Share of slow calls, in percent, that opens the breaker. */
  readonly breakerSlowCallRatePercent: number
  /** Fewest calls in the window before the slow-call share is judged. */
  readonly breakerSlowCallMinCalls: number
  /** Rolling window over which slow calls are counted. */
  readonly breakerSlowCallWindowMs: number
  /** Most writes in flight to event.com at once. */
  readonly upstreamMaxInflight: number
  /** Most writes waiting for a free slot; beyond it writes are refused at once. */
  readonly upstreamMaxQueue: number
  /** Reads (and other limited requests) per client per window; 0 turns the limit off. */
  readonly rateLimitMax: number
  /** Writes per client per window; 0 turns the limit off. */
  readonly rateLimitWriteMax: number
  /** The rate-limit window. */
  readonly rateLimitWindowMs: number
  /** Client addresses never rate limited. */
  readonly rateLimitAllowList: readonly string[]
  /** How long an Idempotency-Key is remembered. */
  readonly idempotencyTtlMs: number
  /** Most Idempotency-Keys remembered; the least recently used go first. */
  readonly idempotencyMaxKeys: number
  /** Bearer token for the /admin routes; undefined means the routes do not exist. */
  readonly adminToken: string | undefined
  /** Longest wait for in-flight requests on shutdown. */
  readonly shutdownTimeoutMs: number
}

export type Env = Readonly<Record<string, string | undefined>>

interface IntegerRule { readonly min: number, readonly max: number }

const integerSettings = {
  port: { name: 'PORT', fallback: 3000, min: 0, max: 65535 },
  upstreamTimeoutMs: { name: 'UPSTREAM_TIMEOUT_MS', fallback: 3000, min: 1, max: 600_000 },
  hydrationTimeoutMs: { name: 'HYDRATION_TIMEOUT_MS', fallback: 120_000, min: 1, max: 3_600_000 },
  breakerFailureThreshold: { name: 'BREAKER_FAILURE_THRESHOLD', fallback: 3, min: 1, max: 1000 },
  breakerWindowMs: { name: 'BREAKER_WINDOW_MS', fallback: 30_000, min: 1, max: 86_400_000 },
  breakerBackoffBaseMs: { name: 'BREAKER_BACKOFF_BASE_MS', fallback: 1000, min: 1, max: 86_400_000 },
  breakerBackoffMaxMs: { name: 'BREAKER_BACKOFF_MAX_MS', fallback: 60_000, min: 1, max: 86_400_000 },
  breakerDecayMs: { name: 'BREAKER_DECAY_MS', fallback: 60_000, min: 1, max: 86_400_000 },
  breakerSlowCallMs: { name: 'BREAKER_SLOW_CALL_MS', fallback: 0, min: 0, max: 600_000 },
  breakerSlowCallRatePercent: { name: 'BREAKER_SLOW_CALL_RATE_PERCENT', fallback: 50, min: 1, max: 100 },
  breakerSlowCallMinCalls: { name: 'BREAKER_SLOW_CALL_MIN_CALLS', fallback: 20, min: 1, max: 1_000_000 },
  breakerSlowCallWindowMs: { name: 'BREAKER_SLOW_CALL_WINDOW_MS', fallback: 60_000, min: 1000, max: 86_400_000 },
  upstreamMaxInflight: { name: 'UPSTREAM_MAX_INFLIGHT', fallback: 128, min: 1, max: 10_000 },
  upstreamMaxQueue: { name: 'UPSTREAM_MAX_QUEUE', fallback: 128, min: 0, max: 100_000 },
  rateLimitMax: { name: 'RATE_LIMIT_MAX', fallback: 10_000, min: 0, max: 100_000_000 },
  rateLimitWriteMax: { name: 'RATE_LIMIT_WRITE_MAX', fallback: 3000, min: 0, max: 100_000_000 },
  rateLimitWindowMs: { name: 'RATE_LIMIT_WINDOW_MS', fallback: 60_000, min: 1000, max: 86_400_000 },
  idempotencyTtlMs: { name: 'IDEMPOTENCY_TTL_MS', fallback: 86_400_000, min: 1000, max: 30 * 86_400_000 },
  idempotencyMaxKeys: { name: 'IDEMPOTENCY_MAX_KEYS', fallback: 100_000, min: 1, max: 10_000_000 },
  shutdownTimeoutMs: { name: 'SHUTDOWN_TIMEOUT_MS', fallback: 10_000, min: 0, max: 600_000 }
} as const satisfies Record<string, IntegerRule & { name: string, fallback: number }>

/**
 * Reads and validates the environment once, at start. An empty variable counts as unset.
 * Every problem is reported at once, each naming the variable, the value and what was expected.
 */
export function loadConfig (env: Env): Config {
  const problems: string[] = []
  const read = (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value === '' ? undefined : value
  }

  const integers = {} as Record<keyof typeof integerSettings, number>
  const invalid = new Set<string>()
  for (const [key, rule] of Object.entries(integerSettings) as [keyof typeof integerSettings, typeof integerSettings[keyof typeof integerSettings]][]) {
    const raw = read(rule.name)
    if (raw === undefined) {
      integers[key] = rule.fallback
      continue
    }
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (!Number.isSafeInteger(value) || value < rule.min || value > rule.max) {
      problems.push(`${rule.name}=${JSON.stringify(raw)} is invalid: expected an integer from ${rule.min} to ${rule.max}`)
      invalid.add(rule.name)
      integers[key] = rule.fallback
    } else {
      integers[key] = value
    }
  }

  // Compared only when both were valid: a fallback standing in for a bad value would mislead.
  if (!invalid.has('BREAKER_BACKOFF_BASE_MS') && !invalid.has('BREAKER_BACKOFF_MAX_MS') &&
    integers.breakerBackoffMaxMs < integers.breakerBackoffBaseMs) {
    problems.push(`BREAKER_BACKOFF_MAX_MS=${JSON.stringify(String(integers.breakerBackoffMaxMs))} is invalid: expected at least BREAKER_BACKOFF_BASE_MS (${integers.breakerBackoffBaseMs})`)
  }

  const host = read('HOST') ?? '127.0.0.1'
  if (/\s/.test(host)) {
    problems.push(`HOST=${JSON.stringify(host)} is invalid: expected a host name or IP address`)
  }

  const rawLevel = read('LOG_LEVEL') ?? 'info'
  const logLevel = logLevels.find((level) => level === rawLevel)
  if (logLevel === undefined) {
    problems.push(`LOG_LEVEL=${JSON.stringify(rawLevel)} is invalid: expected one of ${logLevels.join(', ')}`)
  }

  const rawUrl = read('EVENT_SERVICE_URL')
  let eventServiceUrl: string | undefined
  if (rawUrl !== undefined) {
    eventServiceUrl = parseServiceUrl(rawUrl)
    if (eventServiceUrl === undefined) {
      problems.push(`EVENT_SERVICE_URL=${JSON.stringify(rawUrl)} is invalid: expected an absolute http:// or https:// URL without query or fragment`)
    }
  }

  const rateLimitAllowList = (read('RATE_LIMIT_ALLOW_LIST') ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
  const badAddresses = rateLimitAllowList.filter((entry) => isIP(entry) === 0)
  if (badAddresses.length > 0) {
    problems.push(`RATE_LIMIT_ALLOW_LIST=${JSON.stringify(read('RATE_LIMIT_ALLOW_LIST'))} is invalid: expected comma-separated IP addresses (not ${badAddresses.map((entry) => JSON.stringify(entry)).join(', ')})`)
  }

  const adminToken = read('ADMIN_TOKEN')
  if (adminToken !== undefined && !/^[\x21-\x7e]{16,512}$/.test(adminToken)) {
    // The token's value is a secret: never echo it.
    problems.push('ADMIN_TOKEN is invalid: expected 16 to 512 printable ASCII characters without spaces (value not shown)')
  }

  if (problems.length > 0) {
    throw new GatewayError('GW_ERR_CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`)
  }

  return Object.freeze({
    ...integers,
    rateLimitAllowList: Object.freeze(rateLimitAllowList),
    adminToken,
    host,
    eventServiceUrl,
    logLevel: logLevel ?? 'info'
  })
}

function parseServiceUrl (raw: string): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  // `search` and `hash` are empty for a bare `?` or `#`, so the raw text is checked too.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || /[?#]/.test(raw) || url.username !== '' || url.password !== '') {
    return undefined
  }
  return url.href.replace(/\/+$/, '')
}
