import type { Pool } from 'undici'
import type { ComparePlan } from '../compareTargets.js'
import { lightUserId } from '../dataset.js'
import type { LoadResult } from '../loadRun.js'
import { runLoad } from '../loadRun.js'
import { median } from '../median.js'
import { waitUntilIdle } from '../processIdle.js'
import { sleep } from './inBatches.js'
import { receiverCount, resetReceiver } from './journeyApi.js'
import { streamTriggers } from './stepThroughput.js'

export interface ReadsUnderSteps {
  readonly idle: readonly LoadResult[]
  readonly busy: readonly LoadResult[]
  /** Median over rounds of busy ÷ idle req/s, each pair back to back. */
  readonly ratio: number
  /** Webhooks the receiver got per second during the busy runs (median over rounds). */
  readonly stepsPerSec: number
  readonly triggersFailed: number
}

/**
 * GET /getEventsByUserId/u10 (10 events) with the engine idle, then while a stream of
 * one-webhook runs keeps it stepping at about `stepsPerSec`, interleaved idle, busy, idle, busy …
 */
export async function readsUnderSteps (gateway: { readonly url: string, readonly pid: number, readonly pool: Pool }, receiver: Pool, stepsPerSec: number, plan: ComparePlan, otherPids: readonly number[]): Promise<ReadsUnderSteps> {
  const target = { url: `${gateway.url}/getEventsByUserId/${lightUserId}`, expectStatus: 200 }
  const pids = [gateway.pid, ...otherPids]
  const busyRun = async (durationSec: number, connections: number): Promise<{ load: LoadResult, steps: number, failed: number }> => {
    const stream = streamTriggers(gateway.pool, stepsPerSec)
    // Let the stream reach the steps before the reads start.
    await sleep(500)
    await resetReceiver(receiver)
    const load = await runLoad(target, { ...plan.load, durationSec, connections })
    const { count } = await receiverCount(receiver)
    const { failed } = await stream.stop()
    return { load, steps: count / durationSec, failed }
  }
  await waitUntilIdle(pids)
  await runLoad(target, { ...plan.load, durationSec: plan.warmupSec, connections: plan.warmupConnections })
  await busyRun(plan.warmupSec, plan.warmupConnections)
  // The runs the stream left behind finish before the next arm: waiting for idle covers them.
  await waitUntilIdle(pids)
  const idle: LoadResult[] = []
  const busy: LoadResult[] = []
  const steps: number[] = []
  let triggersFailed = 0
  for (let round = 0; round < plan.rounds; round++) {
    idle.push(await runLoad(target, plan.load))
    await waitUntilIdle(pids)
    const run = await busyRun(plan.load.durationSec, plan.load.connections)
    busy.push(run.load)
    steps.push(run.steps)
    triggersFailed += run.failed
    await waitUntilIdle(pids)
  }
  const ratio = median(busy.map((run, index) => run.requestsPerSec / (idle[index]?.requestsPerSec ?? Number.NaN)))
  return { idle, busy, ratio, stepsPerSec: median(steps), triggersFailed }
}
