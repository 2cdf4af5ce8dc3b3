import { GatewayError, isGatewayError } from '../../http/errors.js'
import type { IdempotencyKeys } from '../idempotency/idempotencyKeys.js'
import { fingerprint } from '../idempotency/keyHeader.js'
import type { Event, EventStore } from '../store/eventStore.js'
import type { EventWriter } from './eventWriter.js'

/** A write as a client asks for it; the gateway gives it its id. */
export interface NewEvent {
  readonly name: string
  readonly userId: string
  readonly details?: string | undefined
}

export interface WriteContext {
  /** Follows the write to event.com and into the logs. */
  readonly requestId: string
  /** Makes retries of this write safe (see IdempotencyKeys). */
  readonly idempotencyKey?: string | undefined
}

/** What the client is answered: the event as stored, with the status; `replayed` when it is a stored answer to an earlier request. */
export interface Accepted {
  readonly status: number
  readonly event: Event
  readonly replayed: boolean
}

/**
 * What other parts do around an accepted write, e.g. starting the journeys an event triggers. Each
 * function is awaited, so what it records is recorded before the client gets its 201.
 */
export interface WriteHook {
  /** Before the event is sent to event.com; a rejection refuses the write before anything is sent. */
  readonly prepare?: (event: Event) => Promise<void>
  /** Once event.com accepted the event and the store holds it. */
  readonly accepted?: (event: Event) => Promise<void>
  /** The write failed; `outcomeUnknown` when event.com may have stored it all the same. */
  readonly failed?: (event: Event, outcomeUnknown: boolean) => Promise<void>
}

/** The gateway's write path as one unit: idempotency, then forward, then store. */
export interface EventWrites {
  accept: (input: NewEvent, context: WriteContext) => Promise<Accepted>
  /** Adds what runs around every write, in the order added. */
  addHook: (hook: WriteHook) => void
}

/**
 * Every 2xx means event.com has the event, and no failed write ever shows up in reads: the store
 * takes it only once event.com accepted it. With an Idempotency-Key, a repeat replays the stored
 * answer, and a retry after a failure reuses the same event id.
 */
export function createEventWrites (parts: {
  readonly store: EventStore
  readonly forward: EventWriter
  readonly keys: IdempotencyKeys
  readonly generateId: () => string
}): EventWrites {
  const { store, forward, keys, generateId } = parts
  const hooks: WriteHook[] = []

  return {
    addHook (hook) {
      hooks.push(hook)
    },
    async accept (input, context) {
      const { name, userId, details } = input
      const key = context.idempotencyKey
      if (!await store.hasUser(userId)) {
        throw new GatewayError('GW_ERR_USER_NOT_FOUND', `No user has id ${JSON.stringify(userId)}`)
      }

      let eventId: string
      let uncertain = false
      if (key === undefined) {
        eventId = generateId()
      } else {
        const start = await keys.begin(key, fingerprint('POST', '/addEvent', { name, userId, details }), generateId)
        if (start.kind === 'replay') return { status: start.status, event: start.body as Event, replayed: true }
        eventId = start.eventId
        uncertain = start.uncertain
      }

      const event: Event = details === undefined ? { id: eventId, name, userId } : { id: eventId, name, userId, details }
      let sent = false
      try {
        for (const hook of hooks) await hook.prepare?.(event)
        sent = true
        await forward(event, { requestId: context.requestId, uncertain })
        await store.addEvent(event)
      } catch (error) {
        const outcomeUnknown = sent && (!isGatewayError(error) || error.outcome === 'outcome-unknown')
        if (key !== undefined) await keys.fail(key, outcomeUnknown).catch(unlessSharedStateUnavailable)
        for (const hook of hooks) await hook.failed?.(event, outcomeUnknown)
        throw error
      }
      for (const hook of hooks) await hook.accepted?.(event)
      // event.com has the event: the client gets its 201 even when the key cannot record it (see unlessSharedStateUnavailable).
      if (key !== undefined) await keys.succeed(key, 201, event).catch(unlessSharedStateUnavailable)
      return { status: 201, event, replayed: false }
    }
  }
}

/**
 * A shared key that could not record how its attempt ended stays in flight until its lease lapses,
 * then counts as an attempt of unknown outcome: a retry reuses its event id after asking event.com,
 * so the write's own answer (201, or its failure) stands. Anything else is a bug and is thrown.
 */
function unlessSharedStateUnavailable (error: unknown): void {
  if (!isGatewayError(error, 'GW_ERR_SHARED_STATE_UNAVAILABLE')) throw error
}
