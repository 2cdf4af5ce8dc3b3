import { delay, http, HttpResponse, type RequestHandler } from 'msw'
import type { Random } from '../utils/clock.js'
import { originalAcceptsAddEvent } from './addEventPattern.js'
import { parseAddEventBody } from './addEventBody.js'
import type { EventStore } from './eventStore.js'
import { failureBody, failureResponse } from './failureResponse.js'
import { EVENT_SERVICE_ORIGIN } from './origin.js'
import type { Scenario } from './scenario.js'
import type { EventServiceStats } from './serviceStats.js'

export interface EventRoutesContext {
  store: EventStore
  /** Mutated: the routes count addEvent calls here. */
  stats: EventServiceStats
  currentScenario: () => Scenario
  random: Random
  /** Share (0–1) of getUsers/getEvents that fail with 500 in the original scenario. */
  readFailureRate: number
  /** Milliseconds every getEventById waits before answering. */
  getEventByIdDelayMs: number
  /** Milliseconds a failing addEvent waits before its 503. */
  addEventFailureDelayMs: number
  /** Stored events beyond which addEvent answers 507, so a long benchmark cannot exhaust memory. */
  maxEvents: number
}

const url = (path: string): string => `${EVENT_SERVICE_ORIGIN}${path}`

/** event.com's five routes. Faults other than the original's own are added by the scenario handler in front. */
export function createEventRoutes (context: EventRoutesContext): RequestHandler[] {
  const { store, stats } = context
  // The original's 5-ok/10-failed pattern counts only the calls made while it is the scenario.
  let originalAddEventCalls = 0

  const readFails = (): boolean =>
    context.currentScenario().name === 'original' && context.random() < context.readFailureRate
  const readFailure = (): Response => failureResponse(500, failureBody('Internal Server Error'))

  return [
    http.get(url('/getUsers'), () => readFails() ? readFailure() : HttpResponse.json(store.users)),

    http.get(url('/getEvents'), () => readFails() ? readFailure() : HttpResponse.json(store.events)),

    http.get<{ id: string }>(url('/getUserById/:id'), ({ params }) => {
      const user = store.findUser(params.id)
      return user === undefined
        ? failureResponse(404, failureBody('Not Found', `User ${params.id} not found`))
        : HttpResponse.json(user)
    }),

    http.get<{ id: string }>(url('/getEventById/:id'), async ({ params }) => {
      if (context.getEventByIdDelayMs > 0) await delay(context.getEventByIdDelayMs)
      const event = store.findEvent(params.id)
      return event === undefined
        ? failureResponse(404, failureBody('Not Found', `Event ${params.id} not found`))
        : HttpResponse.json(event)
    }),

    http.post(url('/addEvent'), async ({ request }) => {
      let body: unknown
      try {
        body = await request.json()
      } catch {
        return failureResponse(400, failureBody('Bad Request', 'The body must be valid JSON'))
      }
      const parsed = parseAddEventBody(body)
      if (!parsed.ok) return failureResponse(400, failureBody('Bad Request', parsed.message))

      stats.addEventCalls += 1
      if (context.currentScenario().name === 'original') {
        originalAddEventCalls += 1
        if (!originalAcceptsAddEvent(originalAddEventCalls)) {
          if (context.addEventFailureDelayMs > 0) await delay(context.addEventFailureDelayMs)
          return failureResponse(503, failureBody('Service Unavailable', 'Event API is temporarily down'))
        }
      }
      if (store.events.length >= context.maxEvents) {
        return failureResponse(507, failureBody('Insufficient Storage', `The mock holds at most ${context.maxEvents} events`))
      }
      store.addEvent(parsed.event)
      stats.addEventAccepted += 1
      return HttpResponse.json({ success: true })
    })
  ]
}
