import { parseDeliveryScenario, type DeliveryScenario } from './deliveryScenario.js'
import { failureBody } from './failureResponse.js'
import { parseJsonBody } from './requestBody.js'

/** The control routes of the email provider and of the webhook receiver, each under its own prefix. */
export const EMAIL_CONTROL_PREFIX = '/__mock/email/'
export const WEBHOOKS_CONTROL_PREFIX = '/__mock/webhooks/'

export interface DeliveryControlContext {
  readonly scenario: () => DeliveryScenario
  /** Switches the scenario (and logs it). */
  readonly setScenario: (scenario: DeliveryScenario) => void
  /** What the model received, as JSON. */
  readonly received: () => unknown
  readonly clear: () => void
}

export interface DeliveryControlResult {
  status: number
  body?: unknown
}

/**
 * One model's control API, under its prefix (`/__mock/email/` or `/__mock/webhooks/`):
 * `PUT scenario` (JSON scenario → 204, 400 when not one), `GET scenario`, `GET received` (what it
 * received: requests, messages, counts per Idempotency-Key), `DELETE received` (forgets it all → 204).
 * Anything else under the prefix is 404. `route` is the path after the prefix, e.g. `scenario`.
 */
export function handleDeliveryControlRequest (method: string, route: string, body: Buffer | undefined, context: DeliveryControlContext): DeliveryControlResult {
  switch (`${method} ${route}`) {
    case 'PUT scenario': {
      const json = parseJsonBody(body)
      if (!json.ok) return { status: 400, body: failureBody('Bad Request', 'The body must be a JSON scenario') }
      const parsed = parseDeliveryScenario(json.value)
      if (!parsed.ok) return { status: 400, body: failureBody('Bad Request', parsed.message) }
      context.setScenario(parsed.scenario)
      return { status: 204 }
    }
    case 'GET scenario':
      return { status: 200, body: context.scenario() }
    case 'GET received':
      return { status: 200, body: context.received() }
    case 'DELETE received':
      context.clear()
      return { status: 204 }
    default:
      return { status: 404, body: failureBody('Not Found') }
  }
}
