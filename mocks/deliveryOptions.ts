import { systemClock, type Clock } from '../utils/clock.js'
import { checkDeliveryScenario, type DeliveryScenario } from './deliveryScenario.js'

/** What the email provider and the webhook receiver share. */
export interface DeliveryModelOptions {
  /** Default `{ name: 'healthy' }`. */
  scenario?: DeliveryScenario
  /** Where `receivedAt` (and the email provider's key expiry) read the time, in epoch ms. Default `Date.now`. */
  clock?: Clock
  /** Entries kept in each record (requests, messages, keys); past it the oldest go. Default 10,000. */
  maxRecords?: number
}

export interface ResolvedDeliveryOptions {
  readonly scenario: DeliveryScenario
  readonly clock: Clock
  readonly maxRecords: number
}

export function invalidOption (option: string, value: unknown, expected: string): RangeError {
  return new RangeError(`Option ${option} is ${JSON.stringify(value)}; expected ${expected}`)
}

export function checkPositiveInteger (option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw invalidOption(option, value, 'a positive integer')
  return value
}

/** Applies defaults and validates once; throws a RangeError naming the option, a TypeError for a bad scenario. */
export function resolveDeliveryOptions (options: DeliveryModelOptions = {}): ResolvedDeliveryOptions {
  return Object.freeze({
    scenario: checkDeliveryScenario(options.scenario ?? { name: 'healthy' }),
    clock: options.clock ?? systemClock,
    maxRecords: checkPositiveInteger('maxRecords', options.maxRecords ?? 10_000)
  })
}
