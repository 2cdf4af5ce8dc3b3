import { systemRandom, type Random } from '../utils/clock.js'
import { MAX_DELAY_MS, parseScenario, type Scenario } from './scenario.js'
import type { SeedData } from './seed.js'

export interface EventServiceOptions {
  /** Uniform numbers in [0, 1) deciding the original's random read failures. Default `Math.random`. */
  random?: Random
  /** Share (0–1) of getUsers/getEvents answered 500 in the original scenario. Default 0.05. */
  readFailureRate?: number
  /** Milliseconds every getEventById waits. Default 500. */
  getEventByIdDelayMs?: number
  /** Milliseconds a failing original addEvent waits before its 503. Default 100. */
  addEventFailureDelayMs?: number
  /** Events stored at most; further accepted addEvent calls answer 507. Default 1,000,000. */
  maxEvents?: number
  /** Default `{ name: 'original' }`. */
  scenario?: Scenario
  /** Starting data. Default `createSeedData()`; the service mutates what it is given. */
  seed?: SeedData
}

export interface ResolvedEventServiceOptions {
  readonly random: Random
  readonly readFailureRate: number
  readonly getEventByIdDelayMs: number
  readonly addEventFailureDelayMs: number
  readonly maxEvents: number
  readonly scenario: Scenario
}

function invalid (option: string, value: unknown, expected: string): RangeError {
  return new RangeError(`Option ${option} is ${JSON.stringify(value)}; expected ${expected}`)
}

function checkInteger (option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(option, value, `an integer from ${min} to ${max}`)
  return value
}

/** Checks a scenario handed over in code; throws a TypeError when it is not one. */
export function checkScenario (scenario: unknown): Scenario {
  const parsed = parseScenario(scenario)
  if (!parsed.ok) throw new TypeError(`Invalid scenario: ${parsed.message}`)
  return parsed.scenario
}

/** Applies defaults and validates once; throws a RangeError naming the option. */
export function resolveEventServiceOptions (options: EventServiceOptions = {}): ResolvedEventServiceOptions {
  const readFailureRate = options.readFailureRate ?? 0.05
  if (!(readFailureRate >= 0 && readFailureRate <= 1)) throw invalid('readFailureRate', readFailureRate, 'a number from 0 to 1')
  return Object.freeze({
    random: options.random ?? systemRandom,
    readFailureRate,
    getEventByIdDelayMs: checkInteger('getEventByIdDelayMs', options.getEventByIdDelayMs ?? 500, 0, MAX_DELAY_MS),
    addEventFailureDelayMs: checkInteger('addEventFailureDelayMs', options.addEventFailureDelayMs ?? 100, 0, MAX_DELAY_MS),
    maxEvents: checkInteger('maxEvents', options.maxEvents ?? 1_000_000, 1, Number.MAX_SAFE_INTEGER),
    scenario: checkScenario(options.scenario ?? { name: 'original' })
  })
}
