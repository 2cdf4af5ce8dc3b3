import { integer, oneOf, text } from '../../utils/settings/setting.js'
import type { CrossCheck, SettingsOf } from '../../utils/settings/readSettings.js'

export const roles = ['all', 'api', 'worker'] as const
export type Role = typeof roles[number]

/** Many processes acting as one gateway: the shared Redis and each process's role. */
export const clusterSettings = {
  redisUrl: text({
    env: 'REDIS_URL',
    default: undefined,
    secret: true,
    expected: 'a redis:// or rediss:// URL',
    check: redisUrl,
    doc: 'Redis shared by every instance (events, Idempotency-Keys, rate limits, event.com\'s `Retry-After`); unset, each process keeps them itself'
  }),
  redisTimeoutMs: integer({ env: 'REDIS_TIMEOUT_MS', default: 50, min: 1, max: 60_000, unit: 'ms', doc: 'deadline of every Redis call; past it the call counts as failed (see the deployment section for what each part then does)' }),
  redisKeyPrefix: text({
    env: 'REDIS_KEY_PREFIX',
    default: 'gw:',
    expected: '1 to 64 printable ASCII characters without spaces',
    check: (raw) => /^[\x21-\x7e]{1,64}$/.test(raw) ? raw : undefined,
    doc: 'prefix of every Redis key the gateway writes; instances of one gateway share it, two gateways on one Redis need different ones'
  }),
  role: oneOf({ env: 'ROLE', values: roles, default: 'all', doc: '`api` serves HTTP and enqueues journey steps; `worker` runs the steps and serves only `/health`, `/ready` and `/metrics`; `all` does both' })
} as const

export type ClusterSettings = SettingsOf<typeof clusterSettings>

export const clusterChecks: readonly CrossCheck<typeof clusterSettings>[] = []

function redisUrl (raw: string): string | undefined {
  try {
    const url = new URL(raw)
    return url.protocol === 'redis:' || url.protocol === 'rediss:' ? raw : undefined
  } catch {
    return undefined
  }
}
