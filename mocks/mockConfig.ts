import { isIP } from 'node:net'
import { SettingsError, readSettings } from '../utils/settings/readSettings.js'
import type { CrossCheck, Env } from '../utils/settings/readSettings.js'
import { integer, oneOf, optionalInteger, text } from '../utils/settings/setting.js'
import type { Setting } from '../utils/settings/setting.js'
import { parseDeliveryScenario, type DeliveryScenario } from './deliveryScenario.js'
import { MAX_DELAY_MS, isRetryAfterValue, scenarioNames } from './scenario.js'
import type { Scenario, ScenarioName } from './scenario.js'

/** What `npm run mock` reads from its environment. */
export interface MockConfig {
  host: string
  port: number
  /** event.com's. */
  scenario: Scenario
  /** Absent when unset: the email provider starts healthy. */
  emailScenario?: DeliveryScenario
  /** Absent when unset: the webhook receiver starts healthy. */
  webhookScenario?: DeliveryScenario
}

const hostnamePattern = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/

const deliveryScenarioValues = 'a scenario without parameters (healthy, down, hanging, reset) or a JSON scenario, e.g. {"name":"flaky","failures":3}'

/** A scenario of the email provider or the webhook receiver: a bare name, or the scenario as JSON when it takes values. */
function deliveryScenario (env: string, doc: string): Setting<DeliveryScenario | undefined> {
  return {
    env,
    doc,
    default: undefined,
    shownDefault: 'unset',
    shownValues: deliveryScenarioValues,
    parse (raw) {
      let input: unknown = { name: raw }
      if (raw.startsWith('{')) {
        try {
          input = JSON.parse(raw)
        } catch {
          return { ok: false, expected: `${deliveryScenarioValues} (this is not JSON)` }
        }
      }
      const parsed = parseDeliveryScenario(input)
      return parsed.ok ? { ok: true, value: parsed.scenario } : { ok: false, expected: `${deliveryScenarioValues} (${parsed.message})` }
    }
  }
}

/** The settings of `npm run mock`. */
export const mockSettings = {
  host: text({
    env: 'MOCK_HOST',
    default: '127.0.0.1',
    expected: 'an IP address or a hostname',
    check: (raw) => isIP(raw) !== 0 || hostnamePattern.test(raw) ? raw : undefined,
    doc: 'address the mocks listen on'
  }),
  port: integer({ env: 'MOCK_PORT', default: 4000, min: 0, max: 65_535, doc: 'port the mocks listen on, all three on one socket' }),
  scenario: oneOf({ env: 'MOCK_SCENARIO', values: scenarioNames, default: 'original', doc: 'how the mock of event.com behaves at start (see the scenarios)' }),
  delayMs: optionalInteger({ env: 'MOCK_DELAY_MS', min: 0, max: MAX_DELAY_MS, unit: 'ms', doc: 'the delay of event.com\'s scenario `slow`; needed by it, refused by the others' }),
  retryAfter: text({
    env: 'MOCK_RETRY_AFTER',
    default: undefined,
    expected: 'a Retry-After value (seconds or an HTTP-date)',
    check: (raw) => isRetryAfterValue(raw) ? raw : undefined,
    doc: 'the `Retry-After` of event.com\'s scenarios `unavailable` and `throttled`; needed by them, refused by the others'
  }),
  emailScenario: deliveryScenario('MOCK_EMAIL_SCENARIO', 'how the email provider behaves at start; `healthy` when unset'),
  webhookScenario: deliveryScenario('MOCK_WEBHOOK_SCENARIO', 'how the webhook receiver behaves at start; `healthy` when unset')
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

/**
 * Reads MOCK_HOST, MOCK_PORT, MOCK_SCENARIO, MOCK_RETRY_AFTER, MOCK_DELAY_MS, MOCK_EMAIL_SCENARIO and
 * MOCK_WEBHOOK_SCENARIO; throws a SettingsError naming each bad variable.
 */
export function readMockConfig (env: Env): MockConfig {
  const { values, problems } = readSettings(mockSettings, env, checks)
  if (problems.length > 0) throw new SettingsError(problems)
  const { host, port, scenario: name, delayMs, retryAfter, emailScenario, webhookScenario } = values
  const scenario: Scenario = name === 'slow'
    ? { name, delayMs: delayMs ?? 0 }
    : name === 'unavailable' || name === 'throttled' ? { name, retryAfter: retryAfter ?? '' } : { name }
  return {
    host,
    port,
    scenario,
    ...(emailScenario !== undefined && { emailScenario }),
    ...(webhookScenario !== undefined && { webhookScenario })
  }
}
