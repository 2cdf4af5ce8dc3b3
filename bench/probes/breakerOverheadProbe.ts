import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel'
import Opossum from 'opossum'
import { isUpstreamFailure, upstreamRetryAfterMs } from '../../services/gateway/upstream/upstreamFailure.js'
import { createExponentialBackoff } from '../../utils/backoff.js'
import { CircuitBreaker } from '../../utils/breaker/circuitBreaker.js'
import { systemClock, systemRandom } from '../../utils/clock.js'
import { median } from '../median.js'
import { integerFlag, readFlags } from '../servers/cliArgs.js'

/**
 * Scenario 5, in its own process: nanoseconds per call of awaiting an already-resolved promise
 * through each breaker, closed, with the options the gateway uses (threshold 3). Rounds rotate the
 * order so no candidate always runs first or last; one warm-up round lets the JIT settle.
 * Prints one JSON line: every candidate's samples.
 */
const flags = readFlags(['rounds', 'calls'])
const rounds = integerFlag(flags, 'rounds', 7)
const calls = integerFlag(flags, 'calls', 500_000)

const resolved = Promise.resolve(1)
const call = (): Promise<number> => resolved

const ours = new CircuitBreaker({
  failureThreshold: 3,
  windowMs: 30_000,
  backoff: createExponentialBackoff({ baseMs: 1000, maxMs: 60_000 }),
  maxOpenMs: 60_000,
  clock: systemClock,
  random: systemRandom,
  isFailure: isUpstreamFailure,
  retryAfterMsOf: upstreamRetryAfterMs
})
const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) })
// No per-call timeout, like ours: the gateway's timeout lives in the client, not in the breaker.
const opossum = new Opossum(call, { timeout: false })

const candidates: readonly (readonly [string, () => Promise<unknown>])[] = [
  ['no breaker', call],
  ['ours (utils/circuitBreaker.ts)', () => ours.execute(call)],
  ['cockatiel (ConsecutiveBreaker)', () => cockatiel.execute(call)],
  ['opossum', () => opossum.fire()]
]

async function nsPerCall (run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  for (let index = 0; index < calls; index++) await run()
  return Number(process.hrtime.bigint() - start) / calls
}

const samples = new Map<string, number[]>(candidates.map(([name]) => [name, []]))
for (let round = -1; round < rounds; round++) {
  const offset = Math.max(round, 0) % candidates.length
  for (const [name, run] of [...candidates.slice(offset), ...candidates.slice(0, offset)]) {
    const ns = await nsPerCall(run)
    if (round >= 0) samples.get(name)?.push(ns)
  }
}
opossum.shutdown()

process.stdout.write(`${JSON.stringify({
  calls,
  candidates: candidates.map(([name]) => ({ name, samples: samples.get(name) ?? [], median: median(samples.get(name) ?? []) }))
})}\n`)
