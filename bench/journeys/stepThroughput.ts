import { randomUUID } from 'node:crypto'
import type { Pool } from 'undici'
import { benchEvents } from './benchFlows.js'
import { inBatches, until } from './inBatches.js'
import { receiverCount, resetReceiver, trigger } from './journeyApi.js'

export interface StepBurst {
  readonly runs: number
  /** From the first trigger sent to the last webhook received. */
  readonly totalMs: number
  /** From the first trigger sent to the last trigger answered 202. */
  readonly triggerMs: number
  /** Webhook steps per second, end to end: runs / totalMs. */
  readonly stepsPerSec: number
  /** Triggers answered per second while the steps ran. */
  readonly triggersPerSec: number
  /** Webhooks received by the time the last trigger was answered. */
  readonly stepsWhileTriggering: number
  /** Webhook steps per second after the last trigger was answered. */
  readonly drainPerSec: number
  readonly completed: boolean
}

/**
 * `runs` one-webhook runs triggered as fast as `concurrency` connections allow, and the time until
 * the receiver has every webhook: steps end to end, with triggering and stepping overlapping as
 * they would in production.
 */
export async function stepBurst (pool: Pool, receiver: Pool, runs: number, concurrency: number, limitMs: number): Promise<StepBurst> {
  await resetReceiver(receiver)
  const start = Date.now()
  await inBatches(runs, concurrency, (index) => trigger(pool, { id: randomUUID(), name: benchEvents.webhook, userId: `burst-${index}` }))
  const triggered = Date.now()
  const triggerMs = triggered - start
  const stepsWhileTriggering = (await receiverCount(receiver)).count
  const completed = await until(async () => (await receiverCount(receiver)).count >= runs, limitMs, 20)
  const { lastAt, count } = await receiverCount(receiver)
  const end = completed ? lastAt : Date.now()
  const totalMs = end - start
  return {
    runs,
    totalMs,
    triggerMs,
    stepsPerSec: count / (totalMs / 1000),
    triggersPerSec: runs / (triggerMs / 1000),
    stepsWhileTriggering,
    drainPerSec: (count - stepsWhileTriggering) / (Math.max(1, end - triggered) / 1000),
    completed
  }
}

/** A steady stream of one-webhook runs, `perSecond` triggers a second, until stopped. */
export interface TriggerStream {
  /** Stops sending; resolves once every trigger sent has been answered, with how many were and how many failed. */
  readonly stop: () => Promise<{ readonly sent: number, readonly failed: number }>
}

export function streamTriggers (pool: Pool, perSecond: number): TriggerStream {
  const tickMs = 10
  const start = performance.now()
  let sent = 0
  let failed = 0
  const inFlight = new Set<Promise<void>>()
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond)
    // Behind by more than a second's worth: the gateway is slower than the stream; do not pile up.
    while (sent < due && inFlight.size < perSecond) {
      const index = sent++
      const call = trigger(pool, { id: randomUUID(), name: benchEvents.webhook, userId: `stream-${index % 1000}` })
        .then(() => undefined, () => { failed += 1 })
      inFlight.add(call)
      void call.finally(() => { inFlight.delete(call) })
    }
  }, tickMs)
  return {
    async stop () {
      clearInterval(timer)
      await Promise.all(inFlight)
      return { sent, failed }
    }
  }
}
