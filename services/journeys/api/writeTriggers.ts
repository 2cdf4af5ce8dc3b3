import type { FastifyBaseLogger } from 'fastify'
import type { Event, WriteHook } from '../../gateway/index.js'
import type { EngineClient } from '../engineClient.js'
import type { TriggerInput } from '../engine/triggers.js'
import { engineCall, unavailable } from './engineErrors.js'
import type { UserLookup } from './userView.js'
import { userViewOf } from './userView.js'

export interface WriteTriggerOptions {
  readonly engine: EngineClient
  readonly users: UserLookup
  readonly log: FastifyBaseLogger
  /** How long a write waits for an engine still starting before it is refused, in milliseconds. */
  readonly startWaitMs: number
}

/** An accepted write's event as the engine records it: `details` becomes `properties.details`. */
export async function writeTriggerInput (event: Event, users: UserLookup): Promise<TriggerInput> {
  return {
    id: event.id,
    name: event.name,
    userId: event.userId,
    properties: event.details === undefined ? {} : { details: event.details },
    user: await userViewOf(users, event.userId, undefined),
    source: 'addEvent'
  }
}

/**
 * Makes writes through POST /addEvent trigger events too, with their promise kept: a 201 for an
 * event that matches a flow means its trigger is durably recorded, and no trigger exists for a
 * write that failed. Before the write is forwarded its event is recorded as pending; once event.com
 * accepted it the event is confirmed (its runs start), and when the write certainly failed it is
 * discarded. One left pending (the outcome was unknown, or the process died) is settled later by
 * asking event.com (`settlePending`). A write whose name no flow acts on (trigger, exit or wait) costs nothing here.
 */
export function writeTriggers (options: WriteTriggerOptions): WriteHook & { readonly inFlight: ReadonlySet<string> } {
  const { engine, users, log } = options
  const recorded = new Set<string>()

  async function mayTrigger (name: string): Promise<boolean> {
    if (engine.eventNames === undefined && engine.state === 'starting') {
      await Promise.race([engine.ready.catch(() => undefined), new Promise((resolve) => { setTimeout(resolve, options.startWaitMs).unref() })])
    }
    const names = engine.eventNames
    // Not known yet: the write cannot be told apart from one a journey acts on, and is refused rather than risked.
    if (names === undefined) throw unavailable('The journeys engine is starting; retry shortly')
    return names.has(name)
  }

  return {
    inFlight: recorded,
    async prepare (event) {
      if (!await mayTrigger(event.name)) return
      const input = await writeTriggerInput(event, users)
      await engineCall(() => engine.recordPending(input))
      recorded.add(event.id)
    },
    async accepted (event) {
      if (!recorded.delete(event.id)) return
      try {
        await engine.confirmPending(await writeTriggerInput(event, users))
      } catch (error) {
        // Still pending, and durable: settlePending confirms it once the engine answers again.
        log.warn({ err: error, eventId: event.id }, 'could not confirm the trigger of an accepted write; it stays pending')
      }
    },
    async failed (event, outcomeUnknown) {
      if (!recorded.delete(event.id) || outcomeUnknown) return
      try {
        await engine.discardPending(event.id)
      } catch (error) {
        log.warn({ err: error, eventId: event.id }, 'could not discard the trigger of a failed write; it stays pending')
      }
    }
  }
}

/**
 * Settles the triggers of writes left pending (outcome unknown, or a crash between forwarding and
 * confirming) the way unknown outcomes are settled: by asking event.com whether it has the event.
 */
export async function settlePending (options: {
  readonly engine: EngineClient
  readonly users: UserLookup
  readonly hasEvent: (eventId: string) => Promise<boolean>
  readonly olderThanMs: number
  readonly skip: ReadonlySet<string>
  readonly log: FastifyBaseLogger
}): Promise<{ readonly confirmed: number, readonly discarded: number }> {
  const { engine, log } = options
  let confirmed = 0
  let discarded = 0
  for (const pending of await engine.pendingEvents(options.olderThanMs)) {
    if (options.skip.has(pending.id)) continue
    const details = pending.properties.details
    const event: Event = typeof details === 'string'
      ? { id: pending.id, name: pending.name, userId: pending.userId, details }
      : { id: pending.id, name: pending.name, userId: pending.userId }
    if (await options.hasEvent(pending.id)) {
      await engine.confirmPending(await writeTriggerInput(event, options.users))
      confirmed += 1
    } else {
      await engine.discardPending(pending.id)
      discarded += 1
    }
  }
  if (confirmed + discarded > 0) log.info({ confirmed, discarded }, 'settled the triggers of writes whose outcome was unknown')
  return { confirmed, discarded }
}
