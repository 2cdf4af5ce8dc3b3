import { parseScenarioAmong, pinnedScenarioAmong, type ScenarioOf, type ScenarioParseResultOf } from './mockScenario.js'

export { MAX_DELAY_MS, SCENARIO_HEADER, isRetryAfterValue } from './mockScenario.js'

/** event.com's scenarios: every one but the burst (its own `original` is its pattern of failures). */
export const scenarioNames = [
  'original', 'healthy', 'down', 'slow', 'hanging', 'reset', 'unavailable', 'throttled'
] as const

export type ScenarioName = typeof scenarioNames[number]

/** How event.com behaves; applies to every event.com route (each member is described in `mockScenario.ts`). */
export type Scenario = ScenarioOf<ScenarioName>

export type ScenarioParseResult = ScenarioParseResultOf<Scenario>

export function isScenarioName (value: unknown): value is ScenarioName {
  return scenarioNames.some((name) => name === value)
}

/** Checks untrusted input (a control API body, an env-built object) against the `Scenario` union. */
export function parseScenario (input: unknown): ScenarioParseResult {
  return parseScenarioAmong(input, scenarioNames)
}

/** The event.com scenario pinned on a request by the bridge, if any. */
export function pinnedScenario (request: Request): Scenario | undefined {
  return pinnedScenarioAmong(request, scenarioNames)
}
