/** How event.com behaves; applies to every event.com route. */
export type Scenario =
  /** Faithful to the challenge: ~5% read failures, slow getEventById, addEvent 5 ok then 10 × 503. */
  | { name: 'original' }
  /** Everything succeeds (getEventById keeps its delay). */
  | { name: 'healthy' }
  /** 503 to everything, without Retry-After. */
  | { name: 'down' }
  /** Like healthy, but every response waits `delayMs` (milliseconds) first. */
  | { name: 'slow', delayMs: number }
  /** Never answers. */
  | { name: 'hanging' }
  /** Destroys the connection without answering. */
  | { name: 'reset' }
  /** 503 with `Retry-After: retryAfter` (the header value: delta-seconds or an HTTP-date). */
  | { name: 'unavailable', retryAfter: string }
  /** 429 with `Retry-After: retryAfter`. */
  | { name: 'throttled', retryAfter: string }

/** The longest delay `setTimeout` (and so msw's `delay`) honours, in milliseconds. */
export const MAX_DELAY_MS = 2_147_483_647

export type ScenarioName = Scenario['name']

export const scenarioNames: readonly ScenarioName[] = [
  'original', 'healthy', 'down', 'slow', 'hanging', 'reset', 'unavailable', 'throttled'
]

export type ScenarioParseResult =
  | { ok: true, scenario: Scenario }
  | { ok: false, message: string }

// Visible ASCII, with spaces or tabs only inside: anything else would throw in setHeader.
const headerValuePattern = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/

/** Whether `value` can be sent as a Retry-After header (its meaning is left to the client under test). */
export function isRetryAfterValue (value: unknown): value is string {
  return typeof value === 'string' && headerValuePattern.test(value)
}

export function isScenarioName (value: unknown): value is ScenarioName {
  return typeof value === 'string' && (scenarioNames as readonly string[]).includes(value)
}

/** Checks untrusted input (a control API body, an env-built object) against the `Scenario` union. */
export function parseScenario (input: unknown): ScenarioParseResult {
  if (typeof input !== 'object' || input === null) {
    return { ok: false, message: 'a scenario must be an object with a "name"' }
  }
  const { name, delayMs, retryAfter } = input as Record<string, unknown>
  if (!isScenarioName(name)) {
    return { ok: false, message: `unknown scenario name ${JSON.stringify(name)}; expected one of ${scenarioNames.join(', ')}` }
  }
  switch (name) {
    case 'slow':
      if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
        return { ok: false, message: `scenario "slow" needs "delayMs", an integer of milliseconds from 0 to ${MAX_DELAY_MS}; got ${JSON.stringify(delayMs)}` }
      }
      return { ok: true, scenario: { name, delayMs } }
    case 'unavailable':
    case 'throttled':
      if (!isRetryAfterValue(retryAfter)) {
        return { ok: false, message: `scenario "${name}" needs "retryAfter", a Retry-After header value such as "5" or an HTTP-date; got ${JSON.stringify(retryAfter)}` }
      }
      return { ok: true, scenario: { name, retryAfter } }
    default:
      return { ok: true, scenario: { name } }
  }
}

/**
 * Set by the bridge on each request it receives, so the scenario in force when a request arrived
 * is the one that answers it, even if the scenario changes while the request is being handled.
 */
export const SCENARIO_HEADER = 'x-mock-scenario'

/** The scenario pinned on a request by the bridge, if any. */
export function pinnedScenario (request: Request): Scenario | undefined {
  const pinned = request.headers.get(SCENARIO_HEADER)
  if (pinned === null) return undefined
  try {
    const parsed = parseScenario(JSON.parse(pinned))
    return parsed.ok ? parsed.scenario : undefined
  } catch {
    return undefined
  }
}
