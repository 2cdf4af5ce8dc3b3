import { allowListEntryProblem } from './delivery/destinationPolicy.js'
import { boolean, integer, list, text } from '../../utils/settings/setting.js'
import type { CrossCheck, SettingsOf } from '../../utils/settings/readSettings.js'

function postgresUrl (raw: string): string | undefined {
  try {
    const url = new URL(raw)
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:' ? raw : undefined
  } catch {
    return undefined
  }
}

function httpUrl (raw: string): string | undefined {
  try {
    const url = new URL(raw)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '' ? url.href.replace(/\/+$/, '') : undefined
  } catch {
    return undefined
  }
}

/** The journeys engine: where it keeps its data, what it calls, how it runs. */
export const journeysSettings = {
  journeysEnabled: boolean({ env: 'JOURNEYS_ENABLED', default: true, doc: '`false` turns the journeys engine off; the gateway then behaves as without it' }),
  dataDir: text({
    env: 'DATA_DIR',
    default: './data',
    expected: 'a folder path',
    check: (raw) => raw.includes('\0') ? undefined : raw,
    doc: 'folder of the embedded database (PGlite); one process at a time (a lock file says which)'
  }),
  databaseUrl: text({
    env: 'DATABASE_URL',
    default: undefined,
    secret: true,
    expected: 'a postgres:// or postgresql:// URL',
    check: postgresUrl,
    doc: 'PostgreSQL 15+ for the journeys engine instead of the embedded database'
  }),
  emailApiUrl: text({
    env: 'EMAIL_API_URL',
    default: undefined,
    expected: 'an absolute http:// or https:// URL without query or fragment',
    check: httpUrl,
    doc: 'base URL of the email provider (`POST {EMAIL_API_URL}/emails`); unset runs the built-in mock'
  }),
  webhookAllowedHosts: list({
    env: 'WEBHOOK_ALLOWED_HOSTS',
    expected: 'comma-separated host names, IP addresses or *.domain',
    check: (item) => allowListEntryProblem(item) === undefined,
    doc: 'when set, webhook steps may call only these hosts (`*.example.com`: any name below example.com); the email provider\'s host is always allowed'
  }),
  runRetentionDays: integer({ env: 'RUN_RETENTION_DAYS', default: 30, min: 1, max: 3650, doc: 'finished runs, their attempt logs and trigger events older than this are deleted (once-entry keys never are)' }),
  stepTimeoutMs: integer({ env: 'STEP_TIMEOUT_MS', default: 10_000, min: 100, max: 300_000, unit: 'ms', doc: 'longest wait for one email or webhook call' }),
  stepConcurrency: integer({ env: 'STEP_CONCURRENCY', default: 16, min: 1, max: 1000, doc: 'steps a process runs at once' }),
  stepRecoveryMs: integer({ env: 'STEP_RECOVERY_MS', default: 30_000, min: 1000, max: 3_600_000, unit: 'ms', doc: 'a step left running by a crashed process is attempted again after this; at least `STEP_TIMEOUT_MS` plus 5 s' })
} as const

export type JourneysSettings = SettingsOf<typeof journeysSettings>

export const journeysChecks: readonly CrossCheck<typeof journeysSettings>[] = [
  // A step still running when its recovery time comes would be attempted twice at once.
  (values, valid) => valid('stepRecoveryMs') && valid('stepTimeoutMs') && values.stepRecoveryMs < values.stepTimeoutMs + 5000
    ? `STEP_RECOVERY_MS=${JSON.stringify(String(values.stepRecoveryMs))} is invalid: expected at least STEP_TIMEOUT_MS plus 5000 (${values.stepTimeoutMs + 5000})`
    : undefined
]
