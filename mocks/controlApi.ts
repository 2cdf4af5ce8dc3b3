import type { EventService } from './eventService.js'
import { failureBody, type FailureBody } from './failureResponse.js'
import { parseJsonBody } from './requestBody.js'
import { parseScenario, type Scenario } from './scenario.js'

/** Every control route lives under this prefix, outside event.com's API. */
export const CONTROL_PREFIX = '/__mock/'

export interface ControlContext {
  service: EventService
  /** Switches the scenario (and logs it). */
  setScenario: (scenario: Scenario) => void
  /** event.com requests received and not yet answered. */
  inFlight: () => number
}

export interface ControlStats {
  scenario: Scenario
  addEventCalls: number
  addEventAccepted: number
  users: number
  events: number
  inFlight: number
}

export interface ControlResult {
  status: number
  body?: Scenario | ControlStats | FailureBody
}

/**
 * event.com's control API: `PUT /__mock/scenario` (JSON scenario → 204, 400 when not one),
 * `GET /__mock/scenario`, `GET /__mock/stats`. Anything else under the prefix is 404; the bridge
 * sends `/__mock/email/` and `/__mock/webhooks/` to `deliveryControlApi.ts` before it gets here.
 */
export function handleControlRequest (method: string, pathname: string, body: Buffer | undefined, context: ControlContext): ControlResult {
  const route = `${method} ${pathname}`
  if (route === `PUT ${CONTROL_PREFIX}scenario`) {
    const json = parseJsonBody(body)
    if (!json.ok) return { status: 400, body: failureBody('Bad Request', 'The body must be a JSON scenario') }
    const parsed = parseScenario(json.value)
    if (!parsed.ok) return { status: 400, body: failureBody('Bad Request', parsed.message) }
    context.setScenario(parsed.scenario)
    return { status: 204 }
  }
  if (route === `GET ${CONTROL_PREFIX}scenario`) return { status: 200, body: context.service.scenario }
  if (route === `GET ${CONTROL_PREFIX}stats`) {
    const { service } = context
    return {
      status: 200,
      body: {
        scenario: service.scenario,
        addEventCalls: service.stats.addEventCalls,
        addEventAccepted: service.stats.addEventAccepted,
        users: service.state.users.length,
        events: service.state.events.length,
        inFlight: context.inFlight()
      }
    }
  }
  return { status: 404, body: failureBody('Not Found') }
}
