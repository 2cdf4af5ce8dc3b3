import { describe, it, expect } from 'vitest'
import { loadConfig } from '../../services/config.js'
import type { Config, Env } from '../../services/config.js'

type FlatConfig = Config['http'] & Config['gateway'] & Config['journeys']

/** Every section's settings side by side: the names are unique across areas. */
function flat (config: Config): FlatConfig {
  return { ...config.http, ...config.gateway, ...config.journeys }
}

/** loadConfig, flattened. */
function load (env: Env): FlatConfig {
  return flat(loadConfig(env))
}
import { GatewayError, isGatewayError } from '../../services/http/errors.js'

/** The GW_ERR_CONFIG_INVALID error loadConfig throws for env; fails the test if it throws anything else or nothing. */
function configError (env: Env): GatewayError {
  let thrown: unknown
  try {
    loadConfig(env)
  } catch (error) {
    thrown = error
  }
  if (!isGatewayError(thrown, 'GW_ERR_CONFIG_INVALID')) {
    return expect.unreachable(`expected GW_ERR_CONFIG_INVALID, got ${String(thrown)}`)
  }
  return thrown
}

const defaults: FlatConfig = {
  port: 3000,
  host: '127.0.0.1',
  eventServiceUrl: undefined,
  mocksPort: 3001,
  logLevel: 'info',
  maxConnections: undefined,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
  rateLimitEventMax: 60_000,
  rateLimitAdminMax: 60,
  upstreamTimeoutMs: 3000,
  hydrationTimeoutMs: 120_000,
  breakerFailureThreshold: 3,
  breakerWindowMs: 30_000,
  breakerBackoffBaseMs: 1000,
  breakerBackoffMaxMs: 60_000,
  breakerDecayMs: 60_000,
  breakerSlowCallMs: 0,
  breakerSlowCallRatePercent: 50,
  breakerSlowCallMinCalls: 20,
  breakerSlowCallWindowMs: 60_000,
  upstreamMaxInflight: 128,
  upstreamMaxQueue: 128,
  rateLimitMax: 10_000,
  rateLimitWriteMax: 3000,
  rateLimitWindowMs: 60_000,
  rateLimitAllowList: [],
  idempotencyTtlMs: 86_400_000,
  idempotencyMaxKeys: 100_000,
  adminToken: undefined,
  shutdownTimeoutMs: 10_000,
  journeysEnabled: true,
  dataDir: './data',
  databaseUrl: undefined,
  emailApiUrl: undefined,
  webhookAllowedHosts: [],
  runRetentionDays: 30,
  stepTimeoutMs: 10_000,
  stepConcurrency: 16,
  stepRecoveryMs: 30_000
}

type IntegerKey = { [K in keyof FlatConfig]: FlatConfig[K] extends number ? K : never }[keyof FlatConfig]

const integerVariables: readonly { name: string, key: IntegerKey, min: number, max: number }[] = [
  { name: 'PORT', key: 'port', min: 0, max: 65_535 },
  { name: 'UPSTREAM_TIMEOUT_MS', key: 'upstreamTimeoutMs', min: 1, max: 600_000 },
  { name: 'HYDRATION_TIMEOUT_MS', key: 'hydrationTimeoutMs', min: 1, max: 3_600_000 },
  { name: 'BREAKER_FAILURE_THRESHOLD', key: 'breakerFailureThreshold', min: 1, max: 1000 },
  { name: 'BREAKER_WINDOW_MS', key: 'breakerWindowMs', min: 1, max: 86_400_000 },
  { name: 'BREAKER_BACKOFF_BASE_MS', key: 'breakerBackoffBaseMs', min: 1, max: 86_400_000 },
  { name: 'BREAKER_BACKOFF_MAX_MS', key: 'breakerBackoffMaxMs', min: 1, max: 86_400_000 },
  { name: 'BREAKER_DECAY_MS', key: 'breakerDecayMs', min: 1, max: 86_400_000 },
  { name: 'BREAKER_SLOW_CALL_MS', key: 'breakerSlowCallMs', min: 0, max: 600_000 },
  { name: 'BREAKER_SLOW_CALL_RATE_PERCENT', key: 'breakerSlowCallRatePercent', min: 1, max: 100 },
  { name: 'BREAKER_SLOW_CALL_MIN_CALLS', key: 'breakerSlowCallMinCalls', min: 1, max: 1_000_000 },
  { name: 'BREAKER_SLOW_CALL_WINDOW_MS', key: 'breakerSlowCallWindowMs', min: 1000, max: 86_400_000 },
  { name: 'UPSTREAM_MAX_INFLIGHT', key: 'upstreamMaxInflight', min: 1, max: 10_000 },
  { name: 'UPSTREAM_MAX_QUEUE', key: 'upstreamMaxQueue', min: 0, max: 100_000 },
  { name: 'RATE_LIMIT_MAX', key: 'rateLimitMax', min: 0, max: 100_000_000 },
  { name: 'RATE_LIMIT_WRITE_MAX', key: 'rateLimitWriteMax', min: 0, max: 100_000_000 },
  { name: 'RATE_LIMIT_WINDOW_MS', key: 'rateLimitWindowMs', min: 1000, max: 86_400_000 },
  { name: 'IDEMPOTENCY_TTL_MS', key: 'idempotencyTtlMs', min: 1000, max: 30 * 86_400_000 },
  { name: 'IDEMPOTENCY_MAX_KEYS', key: 'idempotencyMaxKeys', min: 1, max: 10_000_000 },
  { name: 'SHUTDOWN_TIMEOUT_MS', key: 'shutdownTimeoutMs', min: 0, max: 600_000 },
  { name: 'HEADERS_TIMEOUT_MS', key: 'headersTimeoutMs', min: 100, max: 600_000 },
  { name: 'REQUEST_TIMEOUT_MS', key: 'requestTimeoutMs', min: 100, max: 3_600_000 },
  { name: 'BODY_TIMEOUT_MS', key: 'bodyTimeoutMs', min: 100, max: 3_600_000 },
  { name: 'KEEP_ALIVE_TIMEOUT_MS', key: 'keepAliveTimeoutMs', min: 1, max: 3_600_000 },
  { name: 'RATE_LIMIT_ADMIN_MAX', key: 'rateLimitAdminMax', min: 0, max: 100_000_000 }
]

// Leaves the backoff pair room for any valid value of either, so only the variable under test can fail.
const roomyBackoff = { BREAKER_BACKOFF_BASE_MS: '1', BREAKER_BACKOFF_MAX_MS: '86400000', HEADERS_TIMEOUT_MS: '100', REQUEST_TIMEOUT_MS: '3600000' }

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    expect(load({})).toStrictEqual(defaults)
  })

  it('ignores variables it does not read', () => {
    expect(load({ PATH: '/bin', NODE_ENV: 'production', port: '1' })).toStrictEqual(defaults)
  })

  it('treats every empty variable as unset', () => {
    const names = ['PORT', 'HOST', 'EVENT_SERVICE_URL', 'LOG_LEVEL', 'UPSTREAM_TIMEOUT_MS', 'BREAKER_FAILURE_THRESHOLD',
      'BREAKER_WINDOW_MS', 'BREAKER_BACKOFF_BASE_MS', 'BREAKER_BACKOFF_MAX_MS', 'RATE_LIMIT_MAX', 'SHUTDOWN_TIMEOUT_MS']
    expect(load(Object.fromEntries(names.map((name) => [name, ''])))).toStrictEqual(defaults)
  })

  it('reads every variable', () => {
    const env = {
      PORT: '8080',
      HOST: '0.0.0.0',
      EVENT_SERVICE_URL: 'http://events.internal:4000',
      LOG_LEVEL: 'warn',
      UPSTREAM_TIMEOUT_MS: '2500',
      HYDRATION_TIMEOUT_MS: '30000',
      BREAKER_FAILURE_THRESHOLD: '5',
      BREAKER_WINDOW_MS: '10000',
      BREAKER_BACKOFF_BASE_MS: '500',
      BREAKER_BACKOFF_MAX_MS: '20000',
      BREAKER_DECAY_MS: '30000',
      BREAKER_SLOW_CALL_MS: '800',
      BREAKER_SLOW_CALL_RATE_PERCENT: '40',
      BREAKER_SLOW_CALL_MIN_CALLS: '10',
      BREAKER_SLOW_CALL_WINDOW_MS: '20000',
      UPSTREAM_MAX_INFLIGHT: '8',
      UPSTREAM_MAX_QUEUE: '4',
      RATE_LIMIT_MAX: '120',
      RATE_LIMIT_WRITE_MAX: '30',
      RATE_LIMIT_WINDOW_MS: '10000',
      RATE_LIMIT_ALLOW_LIST: '10.0.0.1, ::1',
      IDEMPOTENCY_TTL_MS: '3600000',
      IDEMPOTENCY_MAX_KEYS: '500',
      ADMIN_TOKEN: 'an-admin-token-of-some-length',
      SHUTDOWN_TIMEOUT_MS: '1000',
      MAX_CONNECTIONS: '5000',
      HEADERS_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '20000',
      BODY_TIMEOUT_MS: '5000',
      KEEP_ALIVE_TIMEOUT_MS: '4000',
      RATE_LIMIT_ADMIN_MAX: '10',
      RATE_LIMIT_EVENT_MAX: '500',
      MOCKS_PORT: '4100',
      JOURNEYS_ENABLED: 'false',
      DATA_DIR: '/var/lib/gateway',
      DATABASE_URL: 'postgres://gateway@db.internal:5432/journeys',
      EMAIL_API_URL: 'https://mail.example/v1/',
      WEBHOOK_ALLOWED_HOSTS: 'crm.example, *.hooks.example',
      RUN_RETENTION_DAYS: '7',
      STEP_TIMEOUT_MS: '5000',
      STEP_CONCURRENCY: '4',
      STEP_RECOVERY_MS: '12000'
    }
    expect(load(env)).toStrictEqual({
      port: 8080,
      host: '0.0.0.0',
      eventServiceUrl: 'http://events.internal:4000',
      logLevel: 'warn',
      upstreamTimeoutMs: 2500,
      hydrationTimeoutMs: 30_000,
      breakerFailureThreshold: 5,
      breakerWindowMs: 10_000,
      breakerBackoffBaseMs: 500,
      breakerBackoffMaxMs: 20_000,
      breakerDecayMs: 30_000,
      breakerSlowCallMs: 800,
      breakerSlowCallRatePercent: 40,
      breakerSlowCallMinCalls: 10,
      breakerSlowCallWindowMs: 20_000,
      upstreamMaxInflight: 8,
      upstreamMaxQueue: 4,
      rateLimitMax: 120,
      rateLimitWriteMax: 30,
      rateLimitWindowMs: 10_000,
      rateLimitAllowList: ['10.0.0.1', '::1'],
      idempotencyTtlMs: 3_600_000,
      idempotencyMaxKeys: 500,
      adminToken: 'an-admin-token-of-some-length',
      shutdownTimeoutMs: 1000,
      maxConnections: 5000,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 20_000,
      bodyTimeoutMs: 5000,
      keepAliveTimeoutMs: 4000,
      rateLimitAdminMax: 10,
      rateLimitEventMax: 500,
      mocksPort: 4100,
      journeysEnabled: false,
      dataDir: '/var/lib/gateway',
      databaseUrl: 'postgres://gateway@db.internal:5432/journeys',
      emailApiUrl: 'https://mail.example/v1',
      webhookAllowedHosts: ['crm.example', '*.hooks.example'],
      runRetentionDays: 7,
      stepTimeoutMs: 5000,
      stepConcurrency: 4,
      stepRecoveryMs: 12_000
    })
  })

  it('rejects an allow-list entry that is not an IP address, naming it', () => {
    const { message } = configError({ RATE_LIMIT_ALLOW_LIST: '127.0.0.1,localhost' })
    expect(message).toContain('RATE_LIMIT_ALLOW_LIST')
    expect(message).toContain('"localhost"')
  })

  it('rejects a short admin token without echoing it', () => {
    const { message } = configError({ ADMIN_TOKEN: 'short-secret' })
    expect(message).toContain('ADMIN_TOKEN')
    expect(message).not.toContain('short-secret')
  })

  it('returns frozen sections', () => {
    const config = loadConfig({ PORT: '8080' })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.http)).toBe(true)
    expect(Object.isFrozen(config.gateway)).toBe(true)
    expect(() => { (config.http as { port: number }).port = 1 }).toThrow(TypeError)
    expect(config.http.port).toBe(8080)
  })

  it('puts each setting in the section of its area', () => {
    const config = loadConfig({ PORT: '8080', UPSTREAM_TIMEOUT_MS: '2500' })
    expect(config.http.port).toBe(8080)
    expect(config.gateway.upstreamTimeoutMs).toBe(2500)
    expect(Object.keys(config.http)).not.toContain('upstreamTimeoutMs')
    expect(Object.keys(config.gateway)).not.toContain('port')
  })

  it('throws a GatewayError with status 500 for a bad value', () => {
    const error = configError({ PORT: 'http' })
    expect(error).toBeInstanceOf(GatewayError)
    expect(error.code).toBe('GW_ERR_CONFIG_INVALID')
    expect(error.statusCode).toBe(500)
  })

  describe.each(integerVariables)('$name', ({ name, key, min, max }) => {
    it.each([min, max, Math.floor((min + max) / 2), min + 1])('accepts %i', (value) => {
      expect(load({ ...roomyBackoff, [name]: String(value) })[key]).toBe(value)
    })

    const badValues = [
      'abc', '1.5', '-1', '1e3', '0x10', '+5', ' 5', '5 ', '١٢', '99999999999999999999', String(max + 1),
      ...(min > 0 ? [String(min - 1)] : [])
    ]
    it.each(badValues)('rejects %j, naming the variable and the value', (value) => {
      const { message } = configError({ ...roomyBackoff, [name]: value })
      expect(message).toContain(name)
      expect(message).toContain(value)
    })
  })

  it('allows RATE_LIMIT_MAX=0, which turns rate limiting off', () => {
    expect(load({ RATE_LIMIT_MAX: '0' }).rateLimitMax).toBe(0)
  })

  describe('the timeout pair', () => {
    it('accepts REQUEST_TIMEOUT_MS equal to HEADERS_TIMEOUT_MS', () => {
      expect(load({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '5000' }).requestTimeoutMs).toBe(5000)
    })

    it('rejects REQUEST_TIMEOUT_MS below HEADERS_TIMEOUT_MS, naming both', () => {
      const { message } = configError({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4999' })
      expect(message).toContain('REQUEST_TIMEOUT_MS="4999" is invalid: expected at least HEADERS_TIMEOUT_MS (5000)')
    })

    it.each(['0', '1.5', 'abc', '1000001'])('rejects MAX_CONNECTIONS=%j', (value) => {
      expect(configError({ MAX_CONNECTIONS: value }).message).toContain(`MAX_CONNECTIONS=${JSON.stringify(value)} is invalid`)
    })
  })

  describe('the backoff pair', () => {
    it('accepts BREAKER_BACKOFF_MAX_MS equal to BREAKER_BACKOFF_BASE_MS', () => {
      const config = load({ BREAKER_BACKOFF_BASE_MS: '5000', BREAKER_BACKOFF_MAX_MS: '5000' })
      expect([config.breakerBackoffBaseMs, config.breakerBackoffMaxMs]).toEqual([5000, 5000])
    })

    it('rejects BREAKER_BACKOFF_MAX_MS below BREAKER_BACKOFF_BASE_MS', () => {
      const { message } = configError({ BREAKER_BACKOFF_BASE_MS: '5000', BREAKER_BACKOFF_MAX_MS: '4999' })
      expect(message).toContain('BREAKER_BACKOFF_MAX_MS')
      expect(message).toContain('4999')
      expect(message).toContain('BREAKER_BACKOFF_BASE_MS')
    })

    it('rejects a BREAKER_BACKOFF_BASE_MS above the default maximum when the maximum is unset', () => {
      const { message } = configError({ BREAKER_BACKOFF_BASE_MS: '120000' })
      expect(message).toContain('BREAKER_BACKOFF_MAX_MS')
      expect(message).toContain('120000')
    })

    it('does not compare the two when either is itself invalid', () => {
      const { message } = configError({ BREAKER_BACKOFF_BASE_MS: '120000', BREAKER_BACKOFF_MAX_MS: 'abc' })
      expect(message).toContain('BREAKER_BACKOFF_MAX_MS="abc"')
      expect(message).not.toContain('expected at least BREAKER_BACKOFF_BASE_MS')
    })
  })

  describe('LOG_LEVEL', () => {
    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)('accepts %s', (level) => {
      expect(load({ LOG_LEVEL: level }).logLevel).toBe(level)
    })

    it.each(['INFO', 'verbose', 'warning', ' info', 'info,debug'])('rejects %j', (value) => {
      const { message } = configError({ LOG_LEVEL: value })
      expect(message).toContain('LOG_LEVEL')
      expect(message).toContain(value)
    })
  })

  describe('HOST', () => {
    it.each(['0.0.0.0', '::', '::1', 'localhost', 'gateway.internal'])('accepts %j as given', (host) => {
      expect(load({ HOST: host }).host).toBe(host)
    })

    it.each([['a space inside', 'bad host'], ['a lone space', ' '], ['a tab', '\t'], ['a newline', 'localhost\n']])('rejects %s', (_label, host) => {
      const { message } = configError({ HOST: host })
      expect(message).toContain('HOST')
      expect(message).toContain(JSON.stringify(host))
    })
  })

  describe('EVENT_SERVICE_URL', () => {
    it('is undefined when unset, which means "run the built-in mock"', () => {
      expect(load({}).eventServiceUrl).toBeUndefined()
      expect(load({ EVENT_SERVICE_URL: '' }).eventServiceUrl).toBeUndefined()
    })

    it.each([
      ['http://127.0.0.1:4000', 'http://127.0.0.1:4000'],
      ['https://events.example', 'https://events.example'],
      ['https://events.example/', 'https://events.example'],
      ['https://events.example/api', 'https://events.example/api'],
      ['https://events.example/api/', 'https://events.example/api'],
      ['http://localhost:4000///', 'http://localhost:4000'],
      ['http://[::1]:4000/v1//', 'http://[::1]:4000/v1']
    ])('accepts %j as %j', (raw, expected) => {
      expect(load({ EVENT_SERVICE_URL: raw }).eventServiceUrl).toBe(expected)
    })

    it.each([
      ['another scheme', 'ftp://events.example'],
      ['a WebSocket URL', 'ws://events.example'],
      ['a file URL', 'file:///etc/passwd'],
      ['no scheme', 'events.example:4000'],
      ['a relative path', '/api'],
      ['no host', 'http://'],
      ['plain text', 'not a url'],
      ['a query', 'https://events.example/api?key=1'],
      ['a fragment', 'https://events.example/api#top'],
      ['an empty query', 'https://events.example/api?'],
      ['an empty fragment', 'https://events.example/#'],
      ['a user name', 'https://admin@events.example'],
      ['credentials', 'https://admin:secret@events.example']
    ])('rejects %s', (_label, raw) => {
      const { message } = configError({ EVENT_SERVICE_URL: raw })
      expect(message).toContain('EVENT_SERVICE_URL')
      expect(message).toContain(raw)
    })
  })

  describe('ROLE', () => {
    const databaseUrl = 'postgres://gateway@db.example/journeys'
    it.each(['all', 'api', 'worker'] as const)('accepts %s with DATABASE_URL', (role) => {
      expect(loadConfig({ ROLE: role, DATABASE_URL: databaseUrl }).cluster.role).toBe(role)
    })

    it.each(['api', 'worker'])('refuses %s without DATABASE_URL while journeys are on: the embedded database serves one process', (role) => {
      expect(configError({ ROLE: role }).message).toContain(`ROLE="${role}" is invalid without DATABASE_URL`)
    })

    it('accepts api with journeys off, without a database', () => {
      expect(loadConfig({ ROLE: 'api', JOURNEYS_ENABLED: 'false' }).cluster.role).toBe('api')
    })

    it('refuses worker with journeys off: it would have nothing to run', () => {
      expect(configError({ ROLE: 'worker', JOURNEYS_ENABLED: 'false' }).message).toContain('ROLE="worker" is invalid with JOURNEYS_ENABLED=false')
    })
  })

  it('reports every bad variable at once', () => {
    const bad = {
      PORT: '70000',
      HOST: 'two words',
      LOG_LEVEL: 'loud',
      EVENT_SERVICE_URL: 'ftp://events.example',
      UPSTREAM_TIMEOUT_MS: '0',
      RATE_LIMIT_MAX: '-5'
    }
    const { message } = configError({ ...bad, SHUTDOWN_TIMEOUT_MS: '500' })
    for (const [name, value] of Object.entries(bad)) {
      expect(message).toContain(name)
      expect(message).toContain(value)
    }
    expect(message).not.toContain('SHUTDOWN_TIMEOUT_MS')
  })
})
