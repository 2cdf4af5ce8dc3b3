import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { RequestHandler } from 'msw'
import { checkPositiveInteger, resolveDeliveryOptions, type DeliveryModelOptions } from './deliveryOptions.js'
import { createScenarioSwitch, pinnedDeliveryScenario, type DeliveryScenario } from './deliveryScenario.js'
import { emailError } from './emailFailure.js'
import { createEmailRecords, emailReceived, type EmailReceived, type EmailRecords } from './emailRecords.js'
import { createEmailRoutes } from './emailRoutes.js'
import { createFaultHandler, type FailingScenarioName } from './faultHandler.js'
import { EMAIL_PROVIDER_ORIGIN } from './origin.js'
import { correlationOf, pathOf } from './receivedRequest.js'

export type { EmailKeyCount, EmailReceived, EmailRequest, SentEmail } from './emailRecords.js'

export interface EmailProviderOptions extends DeliveryModelOptions {
  /** How long an Idempotency-Key answers its first send again, in milliseconds. Default 24 hours, as Resend keeps keys. */
  idempotencyTtlMs?: number
}

/** An email provider (Resend-shaped `POST /emails`) as MSW handlers for `http://email.example`, with its own records. */
export interface EmailProvider {
  /** The fault layer first (it records every request), then the routes. */
  readonly handlers: RequestHandler[]
  readonly scenario: DeliveryScenario
  /** Throws a TypeError when given something that is not a scenario. */
  setScenario: (scenario: DeliveryScenario) => void
  /** The scenario that answers a request arriving now (a burst spends a failure): what the bridge pins. */
  admit: () => DeliveryScenario
  /** A copy of what it received. */
  received: () => EmailReceived
  /** Forgets everything received, the keys' first responses included. */
  clear: () => void
}

const DAY_MS = 24 * 60 * 60 * 1000

const faultMessages: Readonly<Record<FailingScenarioName, string>> = {
  down: 'The email API is down',
  unavailable: 'The email API is temporarily unavailable',
  throttled: 'Too many requests',
  flaky: 'An unexpected error occurred'
}

/** Resend's error names: `rate_limit_exceeded` for 429, else the status's reason in snake case (`internal_server_error`). */
function faultName (status: number): string {
  if (status === 429) return 'rate_limit_exceeded'
  return (STATUS_CODES[status] ?? 'Server Error').toLowerCase().replace(/[^a-z]+/g, '_')
}

export function createEmailProvider (options: EmailProviderOptions = {}): EmailProvider {
  const { scenario: initial, clock, maxRecords } = resolveDeliveryOptions(options)
  const ttlMs = checkPositiveInteger('idempotencyTtlMs', options.idempotencyTtlMs ?? DAY_MS)
  const scenario = createScenarioSwitch(initial)
  let records: EmailRecords = createEmailRecords(maxRecords, ttlMs, clock)

  const recordArrival = (request: Request, answering: DeliveryScenario): void => {
    const correlation = correlationOf(request)
    records.requests.push({ method: request.method, path: pathOf(request), ...correlation, receivedAt: clock(), scenario: answering })
    if (correlation.idempotencyKey === undefined) return
    const counts = records.keys.of(correlation.idempotencyKey)
    counts.requests += 1
    counts.repeats = counts.requests - 1
  }

  const handlers = [
    createFaultHandler({
      origin: EMAIL_PROVIDER_ORIGIN,
      scenarioFor: (request) => pinnedDeliveryScenario(request) ?? scenario.admit(),
      onArrival: recordArrival,
      failure: (name, status, headers) => emailError(status, faultName(status), faultMessages[name], headers)
    }),
    ...createEmailRoutes({ records: () => records, clock, newId: randomUUID })
  ]

  return {
    handlers,
    get scenario () { return scenario.current },
    setScenario: scenario.set,
    admit: scenario.admit,
    received: () => emailReceived(records),
    clear () { records = createEmailRecords(maxRecords, ttlMs, clock) }
  }
}
