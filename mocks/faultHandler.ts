import { delay, http, HttpResponse, type RequestHandler } from 'msw'
import { DEFAULT_BURST_STATUS, type MockScenario } from './mockScenario.js'

/** The scenarios that answer with an error status of their own. */
export type FailingScenarioName = Extract<MockScenario['name'], 'down' | 'unavailable' | 'throttled' | 'flaky'>

export interface FaultHandlerOptions<S extends MockScenario> {
  /** The origin whose every path the layer stands in front of. */
  readonly origin: string
  /** The scenario that answers this request: the one pinned on it, or the one in force. Called once per request. */
  readonly scenarioFor: (request: Request) => S
  /** Told of every request before its scenario acts, faulted or not: where a model records what reached it. */
  readonly onArrival?: (request: Request, scenario: S) => void | Promise<void>
  /** The model's error response for a failing scenario; the layer chooses the status and the headers (Retry-After). */
  readonly failure: (name: Extract<S['name'], FailingScenarioName>, status: number, headers: Record<string, string>) => Response
}

/**
 * The fault layer: the first handler of a model. Answers for the failing scenarios; for the others
 * it returns nothing (after waiting, when slow) so the model's routes answer.
 */
export function createFaultHandler<S extends MockScenario> (options: FaultHandlerOptions<S>): RequestHandler {
  return http.all(`${options.origin}/*`, async ({ request }) => {
    const pinned = options.scenarioFor(request)
    await options.onArrival?.(request, pinned)
    const scenario: MockScenario = pinned
    // The names reached below are those of `pinned`, an S.
    const fail = (name: FailingScenarioName, status: number, headers: Record<string, string> = {}): Response =>
      options.failure(name as Extract<S['name'], FailingScenarioName>, status, headers)
    switch (scenario.name) {
      case 'original':
      case 'healthy':
        return undefined
      case 'slow':
        await delay(scenario.delayMs)
        return undefined
      case 'hanging':
        await delay('infinite')
        return undefined
      case 'reset':
        return HttpResponse.error()
      case 'down':
        return fail('down', 503)
      case 'unavailable':
        return fail('unavailable', 503, { 'Retry-After': scenario.retryAfter })
      case 'throttled':
        return fail('throttled', 429, { 'Retry-After': scenario.retryAfter })
      case 'flaky':
        return fail('flaky', scenario.status ?? DEFAULT_BURST_STATUS)
    }
  })
}
