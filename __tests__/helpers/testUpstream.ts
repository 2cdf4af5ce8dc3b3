import type { RequestHandler } from 'msw'
import type { EventService } from '../../mocks/eventService.js'
import type { DispatchedRequest, HandlerDispatcher } from '../../mocks/handlerDispatcher.js'
import { createInProcessEventService } from '../../mocks/inProcessEventService.js'
import { EVENT_SERVICE_ORIGIN } from '../../mocks/origin.js'
import type { MockEvent } from '../../mocks/seed.js'
import type { Config } from '../../services/config.js'
import type { Event } from '../../services/gateway/store/eventStore.js'
import type { Dispatcher } from 'undici'
import { createTestSeed } from './seed.js'

/** event.com for route tests: its MSW model, in-process, and what reached it. */
export interface TestUpstream {
  readonly service: EventService
  readonly dispatcher: HandlerDispatcher
  /** Puts handlers in front of the model, as msw's `server.use()`: see upstreamFaults.ts. */
  use: (...handlers: RequestHandler[]) => void
  /** Every addEvent body event.com received, in order, whatever it answered. */
  readonly received: readonly Event[]
  /** The events event.com stored beyond its seed, in order. */
  readonly stored: readonly Readonly<MockEvent>[]
  /** Event ids looked up with getEventById, in order. */
  readonly lookups: readonly string[]
}

const lookupPath = /^\/getEventById\/([^/?]*)$/

/**
 * event.com's model with the route tests' seed, healthy, answering at once and never failing a read
 * at random: faults come only from the handlers a test adds.
 */
export function createTestUpstream (): TestUpstream {
  const received: Event[] = []
  const lookups: string[] = []
  const seed = createTestSeed()
  const seedCount = seed.events.length
  const record = ({ method, path, body }: DispatchedRequest): void => {
    if (method === 'POST' && path === '/addEvent' && body !== undefined) received.push(JSON.parse(body) as Event)
    const lookup = method === 'GET' ? lookupPath.exec(path)?.[1] : undefined
    if (lookup !== undefined) lookups.push(decodeURIComponent(lookup))
  }
  const { service, dispatcher } = createInProcessEventService({
    seed,
    scenario: { name: 'healthy' },
    readFailureRate: 0,
    getEventByIdDelayMs: 0,
    addEventFailureDelayMs: 0,
    random: () => 0.5,
    onRequest: record
  })
  return {
    service,
    dispatcher,
    use: (...handlers) => { dispatcher.use(...handlers) },
    received,
    get stored () { return service.state.events.slice(seedCount) },
    lookups
  }
}

/** What buildApp needs to reach `upstream` in-process: the config pointing at event.com's origin, and the dispatcher. */
export function upstreamAppOptions (upstream: TestUpstream, config: Config): { readonly config: Config, readonly eventServiceDispatcher: Dispatcher } {
  return { config: { ...config, gateway: { ...config.gateway, eventServiceUrl: EVENT_SERVICE_ORIGIN } }, eventServiceDispatcher: upstream.dispatcher }
}
