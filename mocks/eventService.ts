import type { RequestHandler } from 'msw'
import { createEventRoutes } from './eventRoutes.js'
import { createEventStore, type EventStore } from './eventStore.js'
import { checkScenario, resolveEventServiceOptions, type EventServiceOptions } from './eventServiceOptions.js'
import { pinnedScenario, type Scenario } from './scenario.js'
import { createScenarioHandler } from './scenarioHandler.js'
import { createServiceStats, type EventServiceStats } from './serviceStats.js'

export type { EventServiceOptions } from './eventServiceOptions.js'

/** What event.com holds right now: tests check acknowledged writes here. */
export type EventServiceState = Pick<EventStore, 'users' | 'events'>

/** event.com as MSW handlers for `http://event.com`, with its own state. */
export interface EventService {
  /** The scenario handler first, then the five routes. */
  readonly handlers: RequestHandler[]
  readonly state: EventServiceState
  /** Live counters, updated as requests are handled. */
  readonly stats: Readonly<EventServiceStats>
  readonly scenario: Scenario
  /** Throws a TypeError when given something that is not a scenario. */
  setScenario: (scenario: Scenario) => void
}

export function createEventService (options?: EventServiceOptions): EventService {
  const resolved = resolveEventServiceOptions(options)
  const store = createEventStore(options?.seed)
  const stats = createServiceStats()
  let scenario = resolved.scenario
  const currentScenario = (): Scenario => scenario

  const handlers = [
    createScenarioHandler((request) => pinnedScenario(request) ?? scenario),
    ...createEventRoutes({ ...resolved, store, stats, currentScenario })
  ]

  return {
    handlers,
    state: store,
    stats,
    get scenario () { return scenario },
    setScenario (next) { scenario = checkScenario(next) }
  }
}
