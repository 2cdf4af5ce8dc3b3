import type { RequestHandler } from 'msw'
import { createFaultHandler } from './faultHandler.js'
import { failureBody, failureResponse, type FailureBody } from './failureResponse.js'
import { EVENT_SERVICE_ORIGIN } from './origin.js'
import type { Scenario } from './scenario.js'

const failures: Readonly<Record<'down' | 'unavailable' | 'throttled', FailureBody>> = {
  down: failureBody('Service Unavailable', 'Event API is down'),
  unavailable: failureBody('Service Unavailable', 'Event API is temporarily down'),
  throttled: failureBody('Too Many Requests', 'Event API rate limit exceeded')
}

/**
 * event.com's fault layer: runs before every event.com route. Answers for the failing scenarios;
 * for the others it returns nothing (after waiting, when slow) so the route handlers answer.
 */
export function createScenarioHandler (scenarioFor: (request: Request) => Scenario): RequestHandler {
  return createFaultHandler({
    origin: EVENT_SERVICE_ORIGIN,
    scenarioFor,
    failure: (name, status, headers) => failureResponse(status, failures[name], headers)
  })
}
