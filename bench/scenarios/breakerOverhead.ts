import type { BenchOptions } from '../benchOptions.js'
import { runProbe } from '../runProbe.js'
import type { Table } from '../table.js'
import { verdict } from '../table.js'

interface Candidate { readonly name: string, readonly samples: readonly number[], readonly median: number }

const targetNs = 100

/** Scenario 5: per-call cost of each breaker around an already-resolved promise, in its own process. */
export async function breakerOverhead (options: BenchOptions): Promise<Table> {
  const result = await runProbe('probes/breakerOverheadProbe.ts', [`--rounds=${options.breakerRounds}`, `--calls=${options.breakerCalls}`], { timeoutMs: 120_000 })
  const candidates = result.candidates as readonly Candidate[]
  const [bare, ours, ...others] = candidates
  if (bare === undefined || ours === undefined) throw new Error('the breaker probe reported no candidates')
  const overhead = (candidate: Candidate): number => candidate.median - bare.median
  const oursOverhead = overhead(ours)
  const beatsOthers = others.every((other) => oursOverhead < overhead(other))
  const ns = (value: number): string => value.toFixed(0)
  return {
    title: '5. Breaker overhead per call, in-process (await of an already-resolved promise, breaker closed)',
    header: ['breaker', 'ns/call (median)', 'overhead ns/call', 'runs min–max ns/call', 'target', 'result'],
    rows: candidates.map((candidate) => {
      const isOurs = candidate === ours
      return [
        candidate.name, ns(candidate.median), candidate === bare ? '0 (reference)' : ns(overhead(candidate)),
        `${ns(Math.min(...candidate.samples))}–${ns(Math.max(...candidate.samples))}`,
        isOurs ? `≤ ${targetNs} ns and below ${others.map((other) => other.name.split(' ')[0]).join(' and ')}` : '—',
        isOurs ? verdict(oursOverhead <= targetNs && beatsOthers) : '—'
      ]
    }),
    notes: [
      `${options.breakerRounds} measured rounds of ${Number(result.calls).toLocaleString('en-US')} sequential calls each, after one warm-up round; the order rotates per round.`,
      'overhead = ns/call − ns/call with no breaker. Ours is built as buildApp builds it (threshold 3, its isFailure and Retry-After hooks); ' +
      'cockatiel: circuitBreaker(handleAll, ConsecutiveBreaker(3)); opossum: timeout disabled (the gateway times out in its client), defaults otherwise.'
    ]
  }
}
