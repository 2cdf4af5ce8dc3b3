import { STATUS_CODES } from 'node:http'
import { http, HttpResponse, type RequestHandler } from 'msw'
import { resolveDeliveryOptions, type DeliveryModelOptions } from './deliveryOptions.js'
import { createScenarioSwitch, pinnedDeliveryScenario, type DeliveryScenario } from './deliveryScenario.js'
import { createFaultHandler, type FailingScenarioName } from './faultHandler.js'
import { WEBHOOK_RECEIVER_ORIGIN } from './origin.js'
import { headersOf, IDEMPOTENCY_KEY_HEADER, pathOf } from './receivedRequest.js'
import { createWebhookRecords, webhooksReceived, type WebhookRecords, type WebhooksReceived } from './webhookRecords.js'

export type { ReceivedWebhook, WebhookKeyCount, WebhooksReceived } from './webhookRecords.js'

export type WebhookReceiverOptions = DeliveryModelOptions

/** A webhook endpoint as MSW handlers for `http://webhooks.example`: any method, any path, recorded. */
export interface WebhookReceiver {
  /** The fault layer first (it records every request), then the route that answers `{ received: true }`. */
  readonly handlers: RequestHandler[]
  readonly scenario: DeliveryScenario
  /** Throws a TypeError when given something that is not a scenario. */
  setScenario: (scenario: DeliveryScenario) => void
  /** The scenario that answers a request arriving now (a burst spends a failure): what the bridge pins. */
  admit: () => DeliveryScenario
  /** A copy of what it received. */
  received: () => WebhooksReceived
  /** Forgets everything received. */
  clear: () => void
}

const faultMessages: Readonly<Record<FailingScenarioName, string>> = {
  down: 'The webhook receiver is down',
  unavailable: 'The webhook receiver is temporarily unavailable',
  throttled: 'The webhook receiver is rate limiting',
  flaky: 'The webhook receiver failed'
}

function parsedJson (text: string): { json?: unknown } {
  if (text === '') return {}
  try {
    return { json: JSON.parse(text) as unknown }
  } catch {
    return {}
  }
}

export function createWebhookReceiver (options: WebhookReceiverOptions = {}): WebhookReceiver {
  const { scenario: initial, clock, maxRecords } = resolveDeliveryOptions(options)
  const scenario = createScenarioSwitch(initial)
  let records: WebhookRecords = createWebhookRecords(maxRecords)

  const recordArrival = async (request: Request, answering: DeliveryScenario): Promise<void> => {
    const receivedAt = clock()
    // A clone: the body stays readable for whatever answers after the fault layer.
    const text = await request.clone().text()
    records.requests.push({ method: request.method, path: pathOf(request), headers: headersOf(request), text, ...parsedJson(text), receivedAt, scenario: answering })
    const key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if (key === null) return
    const counts = records.keys.of(key)
    counts.requests += 1
    counts.repeats = counts.requests - 1
  }

  const handlers = [
    createFaultHandler({
      origin: WEBHOOK_RECEIVER_ORIGIN,
      scenarioFor: (request) => pinnedDeliveryScenario(request) ?? scenario.admit(),
      onArrival: recordArrival,
      failure: (name, status, headers) => HttpResponse.json({ received: false, error: STATUS_CODES[status] ?? 'Server Error', message: faultMessages[name] }, { status, headers })
    }),
    http.all(`${WEBHOOK_RECEIVER_ORIGIN}/*`, () => HttpResponse.json({ received: true }))
  ]

  return {
    handlers,
    get scenario () { return scenario.current },
    setScenario: scenario.set,
    admit: scenario.admit,
    received: () => webhooksReceived(records),
    clear () { records = createWebhookRecords(maxRecords) }
  }
}
