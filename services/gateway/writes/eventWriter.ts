import type { Bulkhead } from '../../../utils/bulkhead.js'
import type { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import type { Event } from '../store/eventStore.js'
import type { CallContext, EventServiceClient } from '../upstream/eventServiceClient.js'
import { asWriteRejection } from '../upstream/upstreamErrors.js'

export interface WriteOptions extends CallContext {
  /** An earlier attempt with this event id may have reached event.com: look before sending again. */
  readonly uncertain?: boolean
}

/** Sends one event to event.com; resolves once event.com holds it. */
export type EventWriter = (event: Event, options?: WriteOptions) => Promise<void>

/**
 * The resilience around a write, assembled in one place: the bulkhead bounds how many writes wait on
 * event.com, the breaker (inside it, so a write that queued while event.com failed is still refused)
 * decides whether to call at all, and the client's per-call timeout bounds each call.
 * A retry after an unknown outcome first asks event.com whether it already has the event, so
 * resending after a timeout cannot store it twice. Refusals are the gateway's problems (503).
 */
export function createEventWriter (parts: {
  readonly bulkhead: Bulkhead
  readonly breaker: CircuitBreaker
  readonly eventService: Pick<EventServiceClient, 'addEvent' | 'hasEvent'>
}): EventWriter {
  const { bulkhead, breaker, eventService } = parts
  return (event, options = {}) => bulkhead.run(() => breaker.execute(async () => {
    if (options.uncertain === true && await eventService.hasEvent(event.id, options)) return
    await eventService.addEvent(event, options)
  })).catch((error: unknown) => { throw asWriteRejection(error) })
}
