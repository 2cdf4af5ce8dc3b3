import { delay, http, HttpResponse, type RequestHandler } from 'msw'
import { EVENT_SERVICE_ORIGIN } from './origin.js'
import { failureBody, failureResponse } from './failureResponse.js'
import type { Scenario } from './scenario.js'

/**
 * The fault layer: runs before every event.com route. Answers for the failing scenarios;
 * for the others it returns nothing (after waiting, when slow) so the route handlers answer.
 */
export function createScenarioHandler (scenarioFor: (request: Request) => Scenario): RequestHandler {
  return http.all(`${EVENT_SERVICE_ORIGIN}/*`, async ({ request }) => {
    const scenario = scenarioFor(request)
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
        return failureResponse(503, failureBody('Service Unavailable', 'Event API is down'))
      case 'unavailable':
        return failureResponse(503, failureBody('Service Unavailable', 'Event API is temporarily down'), { 'Retry-After': scenario.retryAfter })
      case 'throttled':
        return failureResponse(429, failureBody('Too Many Requests', 'Event API rate limit exceeded'), { 'Retry-After': scenario.retryAfter })
    }
  })
}
