import { isIP } from 'node:net'
import { integer, list, oneOf, optionalInteger, text } from '../../utils/settings/setting.js'
import type { CrossCheck, SettingsOf } from '../../utils/settings/readSettings.js'

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** How the gateway listens, logs, limits clients and stops: the HTTP area's settings. */
export const httpSettings = {
  port: integer({ env: 'PORT', default: 3000, min: 0, max: 65_535, doc: 'port to listen on (0 picks a free one)' }),
  host: text({
    env: 'HOST',
    default: '127.0.0.1',
    expected: 'a host name or IP address',
    check: (raw) => /\s/.test(raw) ? undefined : raw,
    doc: 'address to listen on'
  }),
  logLevel: oneOf({ env: 'LOG_LEVEL', values: logLevels, default: 'info', doc: 'the least severe log lines written; `silent` writes none' }),
  maxConnections: optionalInteger({ env: 'MAX_CONNECTIONS', min: 1, max: 1_000_000, doc: 'most client connections open at once; past it new ones are refused at once. Unset: sized from the open-file limit, less room for upstream sockets, the database and logs' }),
  headersTimeoutMs: integer({ env: 'HEADERS_TIMEOUT_MS', default: 10_000, min: 100, max: 600_000, unit: 'ms', doc: 'a connection that has not sent a complete request head within this is closed (checked every second, or more often for short timeouts)' }),
  requestTimeoutMs: integer({ env: 'REQUEST_TIMEOUT_MS', default: 30_000, min: 100, max: 3_600_000, unit: 'ms', doc: 'longest wait for a whole request, head and body, to arrive; then `408`; at least `HEADERS_TIMEOUT_MS`' }),
  bodyTimeoutMs: integer({ env: 'BODY_TIMEOUT_MS', default: 10_000, min: 100, max: 3_600_000, unit: 'ms', doc: 'longest wait for a body once its head has arrived; then `408`' }),
  keepAliveTimeoutMs: integer({ env: 'KEEP_ALIVE_TIMEOUT_MS', default: 72_000, min: 1, max: 3_600_000, unit: 'ms', doc: 'how long an idle keep-alive connection is kept between requests (longer than the usual load balancer\'s 60 s)' }),
  rateLimitMax: integer({ env: 'RATE_LIMIT_MAX', default: 10_000, min: 0, max: 100_000_000, doc: 'reads per client per window; `0` turns the read limit off' }),
  rateLimitWriteMax: integer({ env: 'RATE_LIMIT_WRITE_MAX', default: 3000, min: 0, max: 100_000_000, doc: 'writes per client per window; `0` turns the write limit off' }),
  rateLimitEventMax: integer({ env: 'RATE_LIMIT_EVENT_MAX', default: 60_000, min: 0, max: 100_000_000, doc: 'trigger events (`POST /api/trigger-event`) per client per window; `0` turns the limit off' }),
  rateLimitAdminMax: integer({ env: 'RATE_LIMIT_ADMIN_MAX', default: 60, min: 0, max: 100_000_000, doc: 'admin calls per client per window, wrong tokens included, counted apart from writes; `0` turns the admin limit off' }),
  rateLimitWindowMs: integer({ env: 'RATE_LIMIT_WINDOW_MS', default: 60_000, min: 1000, max: 86_400_000, unit: 'ms', doc: 'the rate-limit window' }),
  rateLimitAllowList: list({
    env: 'RATE_LIMIT_ALLOW_LIST',
    expected: 'comma-separated IP addresses',
    check: (item) => isIP(item) !== 0,
    doc: 'comma-separated client IP addresses that are never limited'
  }),
  adminToken: text({
    env: 'ADMIN_TOKEN',
    default: undefined,
    secret: true,
    expected: '16 to 512 printable ASCII characters without spaces',
    check: (raw) => /^[\x21-\x7e]{16,512}$/.test(raw) ? raw : undefined,
    doc: 'bearer token for the `/admin` routes and the journeys\' flow and run routes; unset, the `/admin` routes do not exist and the flow and run routes answer only loopback clients'
  }),
  shutdownTimeoutMs: integer({ env: 'SHUTDOWN_TIMEOUT_MS', default: 10_000, min: 0, max: 600_000, unit: 'ms', doc: 'longest wait for in-flight requests on shutdown' })
} as const

export type HttpSettings = SettingsOf<typeof httpSettings>

export const httpChecks: readonly CrossCheck<typeof httpSettings>[] = [
  // Node refuses a headers timeout longer than the request timeout.
  (values, valid) => valid('headersTimeoutMs') && valid('requestTimeoutMs') && values.requestTimeoutMs < values.headersTimeoutMs
    ? `REQUEST_TIMEOUT_MS=${JSON.stringify(String(values.requestTimeoutMs))} is invalid: expected at least HEADERS_TIMEOUT_MS (${values.headersTimeoutMs})`
    : undefined
]
