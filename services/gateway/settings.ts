import { integer, text } from '../../utils/settings/setting.js'
import type { CrossCheck, SettingsOf } from '../../utils/settings/readSettings.js'

const day = 86_400_000

/** event.com, the breaker in front of it, the write bulkhead and Idempotency-Keys: the gateway area's settings. */
export const gatewaySettings = {
  eventServiceUrl: text({
    env: 'EVENT_SERVICE_URL',
    default: undefined,
    expected: 'an absolute http:// or https:// URL without query or fragment',
    check: parseServiceUrl,
    doc: 'base URL of event.com (`http://` or `https://`, may include a path prefix); unset runs the built-in mock'
  }),
  mocksPort: integer({
    env: 'MOCKS_PORT',
    default: 3001,
    min: 0,
    max: 65_535,
    doc: 'port of the built-in mocks (event.com, the email provider, the webhook receiver) when EVENT_SERVICE_URL or EMAIL_API_URL is unset; fixed so the sample flows\' webhook URLs stay valid across restarts (0 picks a free one)'
  }),
  upstreamTimeoutMs: integer({ env: 'UPSTREAM_TIMEOUT_MS', default: 3000, min: 1, max: 600_000, unit: 'ms', doc: 'longest wait for one call to event.com, response body included' }),
  hydrationTimeoutMs: integer({ env: 'HYDRATION_TIMEOUT_MS', default: 120_000, min: 1, max: 3_600_000, unit: 'ms', doc: 'longest wait for the start-up reads of all users and all events (streamed and parsed as they arrive)' }),
  breakerFailureThreshold: integer({ env: 'BREAKER_FAILURE_THRESHOLD', default: 3, min: 1, max: 1000, doc: 'consecutive failures that open the breaker' }),
  breakerWindowMs: integer({ env: 'BREAKER_WINDOW_MS', default: 30_000, min: 1, max: day, unit: 'ms', doc: 'span within which those failures must fall' }),
  breakerBackoffBaseMs: integer({ env: 'BREAKER_BACKOFF_BASE_MS', default: 1000, min: 1, max: day, unit: 'ms', doc: 'first open period; doubles with each failed probe' }),
  breakerBackoffMaxMs: integer({ env: 'BREAKER_BACKOFF_MAX_MS', default: 60_000, min: 1, max: day, unit: 'ms', doc: 'longest open period, also the cap on event.com\'s `Retry-After`; at least `BREAKER_BACKOFF_BASE_MS`' }),
  breakerDecayMs: integer({ env: 'BREAKER_DECAY_MS', default: 60_000, min: 1, max: day, unit: 'ms', doc: 'one backoff step is forgotten per this much healthy time' }),
  breakerSlowCallMs: integer({ env: 'BREAKER_SLOW_CALL_MS', default: 0, min: 0, max: 600_000, unit: 'ms', doc: 'a write slower than this is slow; `0` turns slow-call tripping off' }),
  breakerSlowCallRatePercent: integer({ env: 'BREAKER_SLOW_CALL_RATE_PERCENT', default: 50, min: 1, max: 100, doc: 'share of slow writes that opens the breaker' }),
  breakerSlowCallMinCalls: integer({ env: 'BREAKER_SLOW_CALL_MIN_CALLS', default: 20, min: 1, max: 1_000_000, doc: 'fewest writes in the window before the share is judged' }),
  breakerSlowCallWindowMs: integer({ env: 'BREAKER_SLOW_CALL_WINDOW_MS', default: 60_000, min: 1000, max: day, unit: 'ms', doc: 'rolling window for slow calls' }),
  upstreamMaxInflight: integer({ env: 'UPSTREAM_MAX_INFLIGHT', default: 128, min: 1, max: 10_000, doc: 'most writes in flight to event.com (also the connection pool\'s size)' }),
  upstreamMaxQueue: integer({ env: 'UPSTREAM_MAX_QUEUE', default: 128, min: 0, max: 100_000, doc: 'most writes waiting for a slot; beyond it `503` at once' }),
  idempotencyTtlMs: integer({ env: 'IDEMPOTENCY_TTL_MS', default: day, min: 1000, max: 30 * day, unit: 'ms', doc: 'how long an `Idempotency-Key` is remembered after its last attempt' }),
  idempotencyMaxKeys: integer({ env: 'IDEMPOTENCY_MAX_KEYS', default: 100_000, min: 1, max: 10_000_000, doc: 'most keys remembered; a stored response is the event (up to ~17 KB with a full `details`)' })
} as const

export type GatewaySettings = SettingsOf<typeof gatewaySettings>

export const gatewayChecks: readonly CrossCheck<typeof gatewaySettings>[] = [
  (values, valid) => valid('breakerBackoffBaseMs') && valid('breakerBackoffMaxMs') && values.breakerBackoffMaxMs < values.breakerBackoffBaseMs
    ? `BREAKER_BACKOFF_MAX_MS=${JSON.stringify(String(values.breakerBackoffMaxMs))} is invalid: expected at least BREAKER_BACKOFF_BASE_MS (${values.breakerBackoffBaseMs})`
    : undefined
]

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
