import { parseScenarioAmong, pinnedScenarioAmong, type ScenarioOf, type ScenarioParseResultOf } from './mockScenario.js'

/** The scenarios of the email provider and the webhook receiver: every one but event.com's `original`. */
export const deliveryScenarioNames = [
  'healthy', 'down', 'slow', 'hanging', 'reset', 'unavailable', 'throttled', 'flaky'
] as const

export type DeliveryScenarioName = typeof deliveryScenarioNames[number]

/** How the email provider or the webhook receiver behaves (each member is described in `mockScenario.ts`). */
export type DeliveryScenario = ScenarioOf<DeliveryScenarioName>

export function parseDeliveryScenario (input: unknown): ScenarioParseResultOf<DeliveryScenario> {
  return parseScenarioAmong(input, deliveryScenarioNames)
}

export function pinnedDeliveryScenario (request: Request): DeliveryScenario | undefined {
  return pinnedScenarioAmong(request, deliveryScenarioNames)
}

/** Checks a scenario handed over in code; throws a TypeError when it is not one. */
export function checkDeliveryScenario (scenario: unknown): DeliveryScenario {
  const parsed = parseDeliveryScenario(scenario)
  if (!parsed.ok) throw new TypeError(`Invalid scenario: ${parsed.message}`)
  return parsed.scenario
}

/** The scenario of one model, switchable at runtime. */
export interface ScenarioSwitch {
  readonly current: DeliveryScenario
  /** Throws a TypeError when given something that is not a scenario. */
  set: (scenario: DeliveryScenario) => void
  /**
   * The scenario that answers a request arriving now: the one in force, except that a burst spends
   * one of its failures on it, and turns healthy once it has spent them all.
   */
  admit: () => DeliveryScenario
}

export function createScenarioSwitch (initial: DeliveryScenario = { name: 'healthy' }): ScenarioSwitch {
  let current = checkDeliveryScenario(initial)
  return {
    get current () { return current },
    set (scenario) { current = checkDeliveryScenario(scenario) },
    admit () {
      const answering = current
      if (answering.name === 'flaky') {
        current = answering.failures > 1 ? { ...answering, failures: answering.failures - 1 } : { name: 'healthy' }
      }
      return answering
    }
  }
}
