import { isIP } from 'node:net'
import { GatewayError } from '../services/http/errors.js'
import { isRetryAfterValue, isScenarioName, MAX_DELAY_MS, scenarioNames, type Scenario, type ScenarioName } from './scenario.js'

/** What `npm run mock` reads from its environment. */
export interface MockConfig {
  host: string
  port: number
  scenario: Scenario
}

function invalid (variable: string, value: string | undefined, expected: string): GatewayError {
  const shown = value === undefined ? 'unset' : `is ${JSON.stringify(value)}`
  return new GatewayError('GW_ERR_CONFIG_INVALID', `${variable} ${shown}; expected ${expected}`)
}

const hostnamePattern = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/

function readHost (value = '127.0.0.1'): string {
  if (isIP(value) === 0 && !hostnamePattern.test(value)) throw invalid('MOCK_HOST', value, 'an IP address or a hostname')
  return value
}

function readPort (value = '4000'): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!(port <= 65535)) throw invalid('MOCK_PORT', value, 'an integer from 0 to 65535')
  return port
}

function readDelayMs (value: string | undefined): number {
  const delayMs = value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN
  if (!(delayMs <= MAX_DELAY_MS)) throw invalid('MOCK_DELAY_MS', value, `an integer of milliseconds from 0 to ${MAX_DELAY_MS} for scenario "slow"`)
  return delayMs
}

function readRetryAfter (value: string | undefined, name: ScenarioName): string {
  if (!isRetryAfterValue(value)) throw invalid('MOCK_RETRY_AFTER', value, `a Retry-After value (seconds or an HTTP-date) for scenario "${name}"`)
  return value
}

// A variable the chosen scenario ignores is a mistake worth stopping for, not something to drop silently.
function rejectUnused (variable: string, value: string | undefined, used: boolean, name: ScenarioName): void {
  if (value !== undefined && !used) throw invalid(variable, value, `it unset: scenario "${name}" does not use it`)
}

function readScenario (env: NodeJS.ProcessEnv): Scenario {
  const name = env.MOCK_SCENARIO ?? 'original'
  if (!isScenarioName(name)) throw invalid('MOCK_SCENARIO', name, `one of ${scenarioNames.join(', ')}`)
  rejectUnused('MOCK_RETRY_AFTER', env.MOCK_RETRY_AFTER, name === 'unavailable' || name === 'throttled', name)
  rejectUnused('MOCK_DELAY_MS', env.MOCK_DELAY_MS, name === 'slow', name)
  switch (name) {
    case 'slow':
      return { name, delayMs: readDelayMs(env.MOCK_DELAY_MS) }
    case 'unavailable':
    case 'throttled':
      return { name, retryAfter: readRetryAfter(env.MOCK_RETRY_AFTER, name) }
    default:
      return { name }
  }
}

/** Reads MOCK_HOST, MOCK_PORT, MOCK_SCENARIO, MOCK_RETRY_AFTER and MOCK_DELAY_MS; throws `GW_ERR_CONFIG_INVALID` naming the variable. */
export function readMockConfig (env: NodeJS.ProcessEnv): MockConfig {
  return {
    host: readHost(env.MOCK_HOST),
    port: readPort(env.MOCK_PORT),
    scenario: readScenario(env)
  }
}
