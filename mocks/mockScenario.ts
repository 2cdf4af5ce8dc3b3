/**
 * Every behaviour a mock can be switched to. Each mock accepts its own subset of names (event.com's
 * in `scenario.ts`, the email provider's and the webhook receiver's in `deliveryScenario.ts`).
 */
export type MockScenario =
  /** event.com only: faithful to the challenge (~5% read failures, slow getEventById, addEvent 5 ok then 10 × 503). */
  | { name: 'original' }
  /** Everything succeeds (event.com's getEventById keeps its delay). */
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
  /**
   * A burst of 5xx: the next `failures` requests fail with `status` (default 503, no Retry-After),
   * then the mock is healthy again. `failures` counts down as requests arrive.
   */
  | { name: 'flaky', failures: number, status?: number }

export type MockScenarioName = MockScenario['name']

/** The scenarios whose names are among `N`. */
export type ScenarioOf<N extends MockScenarioName> = Extract<MockScenario, { name: N }>

/** The longest delay `setTimeout` (and so msw's `delay`) honours, in milliseconds. */
export const MAX_DELAY_MS = 2_147_483_647

/** The status of a burst's failures when it names none. */
export const DEFAULT_BURST_STATUS = 503

export type ScenarioParseResultOf<S> =
  | { ok: true, scenario: S }
  | { ok: false, message: string }

// Visible ASCII, with spaces or tabs only inside: anything else would throw in setHeader.
const headerValuePattern = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/

/** Whether `value` can be sent as a Retry-After header (its meaning is left to the client under test). */
export function isRetryAfterValue (value: unknown): value is string {
  return typeof value === 'string' && headerValuePattern.test(value)
}

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max

function parseAny (name: MockScenarioName, fields: Record<string, unknown>): ScenarioParseResultOf<MockScenario> {
  const { delayMs, retryAfter, failures, status } = fields
  switch (name) {
    case 'slow':
      if (!isIntegerIn(delayMs, 0, MAX_DELAY_MS)) {
        return { ok: false, message: `scenario "slow" needs "delayMs", an integer of milliseconds from 0 to ${MAX_DELAY_MS}; got ${JSON.stringify(delayMs)}` }
      }
      return { ok: true, scenario: { name, delayMs } }
    case 'unavailable':
    case 'throttled':
      if (!isRetryAfterValue(retryAfter)) {
        return { ok: false, message: `scenario "${name}" needs "retryAfter", a Retry-After header value such as "5" or an HTTP-date; got ${JSON.stringify(retryAfter)}` }
      }
      return { ok: true, scenario: { name, retryAfter } }
    case 'flaky':
      if (!isIntegerIn(failures, 1, Number.MAX_SAFE_INTEGER)) {
        return { ok: false, message: `scenario "flaky" needs "failures", a positive integer of requests to fail; got ${JSON.stringify(failures)}` }
      }
      if (status === undefined) return { ok: true, scenario: { name, failures } }
      if (!isIntegerIn(status, 500, 599)) {
        return { ok: false, message: `scenario "flaky" takes "status", an integer from 500 to 599, or none for ${DEFAULT_BURST_STATUS}; got ${JSON.stringify(status)}` }
      }
      return { ok: true, scenario: { name, failures, status } }
    default:
      return { ok: true, scenario: { name } }
  }
}

/** Checks untrusted input (a control API body, an env-built object) against the scenarios named in `names`. */
export function parseScenarioAmong<N extends MockScenarioName> (input: unknown, names: readonly N[]): ScenarioParseResultOf<ScenarioOf<N>> {
  if (typeof input !== 'object' || input === null) {
    return { ok: false, message: 'a scenario must be an object with a "name"' }
  }
  const fields = input as Record<string, unknown>
  const { name } = fields
  const known = names.find((candidate) => candidate === name)
  if (known === undefined) {
    return { ok: false, message: `unknown scenario name ${JSON.stringify(name)}; expected one of ${names.join(', ')}` }
  }
  // The name is among N, so the scenario built for it is one of ScenarioOf<N>.
  return parseAny(known, fields) as ScenarioParseResultOf<ScenarioOf<N>>
}

/**
 * Set by the bridge (and the handler dispatcher) on each request it receives, so the scenario in
 * force when a request arrived is the one that answers it, even if the scenario changes while the
 * request is being handled.
 */
export const SCENARIO_HEADER = 'x-mock-scenario'

/** The scenario pinned on a request, if any and if it is among `names`. */
export function pinnedScenarioAmong<N extends MockScenarioName> (request: Request, names: readonly N[]): ScenarioOf<N> | undefined {
  const pinned = request.headers.get(SCENARIO_HEADER)
  if (pinned === null) return undefined
  try {
    const parsed = parseScenarioAmong(JSON.parse(pinned), names)
    return parsed.ok ? parsed.scenario : undefined
  } catch {
    return undefined
  }
}
