import { isIP } from 'node:net'
import { SettingsError, readSettings } from '../utils/settings/readSettings.js'
import type { CrossCheck, Env } from '../utils/settings/readSettings.js'
import { integer, oneOf, optionalInteger, text } from '../utils/settings/setting.js'
import { MAX_DELAY_MS, isRetryAfterValue, scenarioNames } from './scenario.js'
import type { Scenario, ScenarioName } from './scenario.js'

/** What `npm run mock` reads from its environment. */
export interface MockConfig {
  host: string
  port: number
  scenario: Scenario
}

const hostnamePattern = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/

/** The settings of `npm run mock`. */
export const mockSettings = {
  host: text({
    env: 'MOCK_HOST',
    default: '127.0.0.1',
    expected: 'an IP address or a hostname',
    check: (raw) => isIP(raw) !== 0 || hostnamePattern.test(raw) ? raw : undefined,
    doc: 'address the mock listens on'
  }),
  port: integer({ env: 'MOCK_PORT', default: 4000, min: 0, max: 65_535, doc: 'port the mock listens on' }),
  scenario: oneOf({ env: 'MOCK_SCENARIO', values: scenarioNames, default: 'original', doc: 'how the mock behaves at start (see the scenarios)' }),
  delayMs: optionalInteger({ env: 'MOCK_DELAY_MS', min: 0, max: MAX_DELAY_MS, unit: 'ms', doc: 'the delay of scenario `slow`; needed by it, refused by the others' }),
  retryAfter: text({
    env: 'MOCK_RETRY_AFTER',
    default: undefined,
    expected: 'a Retry-After value (seconds or an HTTP-date)',
    check: (raw) => isRetryAfterValue(raw) ? raw : undefined,
    doc: 'the `Retry-After` of scenarios `unavailable` and `throttled`; needed by them, refused by the others'
  })
} as const

const usesDelay = (name: ScenarioName): boolean => name === 'slow'
const usesRetryAfter = (name: ScenarioName): boolean => name === 'unavailable' || name === 'throttled'

// A variable the chosen scenario ignores is a mistake worth stopping for, not something to drop silently.
const checks: readonly CrossCheck<typeof mockSettings>[] = [
  ({ scenario, delayMs }, valid) => !valid('delayMs') || !valid('scenario') ? undefined
    : usesDelay(scenario) && delayMs === undefined ? `MOCK_DELAY_MS is unset: scenario "${scenario}" needs an integer of milliseconds from 0 to ${MAX_DELAY_MS}`
      : !usesDelay(scenario) && delayMs !== undefined ? `MOCK_DELAY_MS=${JSON.stringify(String(delayMs))} is invalid: expected it unset, scenario "${scenario}" does not use it` : undefined,
  ({ scenario, retryAfter }, valid) => !valid('retryAfter') || !valid('scenario') ? undefined
    : usesRetryAfter(scenario) && retryAfter === undefined ? `MOCK_RETRY_AFTER is unset: scenario "${scenario}" needs a Retry-After value (seconds or an HTTP-date)`
      : !usesRetryAfter(scenario) && retryAfter !== undefined ? `MOCK_RETRY_AFTER=${JSON.stringify(retryAfter)} is invalid: expected it unset, scenario "${scenario}" does not use it` : undefined
]

/** Reads MOCK_HOST, MOCK_PORT, MOCK_SCENARIO, MOCK_RETRY_AFTER and MOCK_DELAY_MS; throws a SettingsError naming each bad variable. */
export function readMockConfig (env: Env): MockConfig {
  const { values, problems } = readSettings(mockSettings, env, checks)
  if (problems.length > 0) throw new SettingsError(problems)
  const { host, port, scenario: name, delayMs, retryAfter } = values
  const scenario: Scenario = name === 'slow'
    ? { name, delayMs: delayMs ?? 0 }
    : name === 'unavailable' || name === 'throttled' ? { name, retryAfter: retryAfter ?? '' } : { name }
  return { host, port, scenario }
}
