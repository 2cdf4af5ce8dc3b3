import { randomUUID } from 'node:crypto'
import type { Pool } from 'undici'
import { percentile } from '../percentile.js'
import { benchEvents } from './benchFlows.js'
import { inBatches, sleep, until } from './inBatches.js'
import { firstAttemptAt, getRun, receiverCount, resetReceiver, trigger } from './journeyApi.js'

export interface Spread {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly count: number
}

function spread (values: readonly number[]): Spread {
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values), count: values.length }
}

/** Reads each run until `stepId` has an attempt, then the milliseconds from `from(run)` to it. */
async function attemptDelays (pool: Pool, runs: readonly { readonly runId: string, readonly from: (startedAt: number) => number }[], stepId: string): Promise<number[]> {
  return inBatches(runs.length, 8, async (index) => {
    const run = runs[index]
    if (run === undefined) throw new Error('no run')
    let at: number | undefined
    let startedAt = Number.NaN
    const seen = await until(async () => {
      const view = await getRun(pool, run.runId)
      startedAt = Date.parse(view.startedAt)
      at = firstAttemptAt(view, stepId)
      return at !== undefined
    }, 30_000, 50)
    if (!seen || at === undefined) throw new Error(`run ${run.runId}: ${stepId} never started`)
    return at - run.from(startedAt)
  })
}

/**
 * Enqueue-to-start on an otherwise idle engine: `count` one-webhook runs triggered one at a time,
 * `gapMs` apart; for each, from the run's start (the trigger's transaction) to its webhook's first
 * attempt, both as the gateway recorded them.
 */
export async function enqueueToStart (pool: Pool, count: number, gapMs: number): Promise<Spread> {
  const runIds: string[] = []
  for (let index = 0; index < count; index++) {
    runIds.push(await trigger(pool, { id: randomUUID(), name: benchEvents.webhook, userId: `latency-${index}` }))
    await sleep(gapMs)
  }
  return spread(await attemptDelays(pool, runIds.map((runId) => ({ runId, from: (startedAt) => startedAt })), 'call'))
}

/**
 * How late waits fire: `count` runs waiting until a moment spread over `spanMs`, starting
 * `leadMs` from now; for each, from that moment to the next step's first attempt.
 */
export async function waitLateness (pool: Pool, receiver: Pool, count: number, leadMs: number, spanMs: number): Promise<Spread> {
  await resetReceiver(receiver)
  const base = Date.now() + leadMs
  const runs = await inBatches(count, 8, async (index) => {
    const due = base + Math.round((index * spanMs) / count)
    const runId = await trigger(pool, { id: randomUUID(), name: benchEvents.wait, userId: `wait-${index}`, properties: { at: new Date(due).toISOString() } })
    return { runId, from: () => due }
  })
  if (Date.now() > base) throw new Error(`triggering ${count} waits took longer than their ${leadMs} ms lead`)
  await until(async () => (await receiverCount(receiver)).count >= count, leadMs + spanMs + 30_000, 50)
  return spread(await attemptDelays(pool, runs, 'after'))
}
