import type { ComparePlan } from './compareTargets.js'

/** Everything that differs between the full run and --quick. */
export interface BenchOptions {
  readonly quick: boolean
  /** The scenarios to run (`--only journeys,startup`); undefined runs them all. */
  readonly only: readonly string[] | undefined
  /** A/B comparisons over HTTP. */
  readonly compare: ComparePlan
  /** The same, for the scenarios with a peer row (reads, fail-fast): more rounds, since there the question is which of two close figures is the higher. */
  readonly peerCompare: ComparePlan
  /** Store sizes for per-user reads; the first and last bound the growth ratio. */
  readonly readSizes: readonly number[]
  /** Whether the heavy user is read at every size, or only at the large one (no target depends on the others). */
  readonly heavyUserAtEverySize: boolean
  /** Store size for /getEvents, memory and hydration. */
  readonly largeSize: number
  /** Reads through the original design (each takes about 10 × 500 ms). */
  readonly originalDesignRequests: number
  /** In-process breaker timing: measured rounds (after one warm-up round) and calls per round. */
  readonly breakerRounds: number
  readonly breakerCalls: number
  /** Process starts measured. */
  readonly startupRuns: number
}

/** `--only a,b` or `--only=a,b`: the names as given, checked against the scenarios by the caller. */
function onlyOf (argv: readonly string[]): { readonly only: string[] | undefined, readonly rest: string[] } {
  const rest: string[] = []
  let only: string[] | undefined
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? ''
    const value = arg === '--only' ? argv[++index] : arg.startsWith('--only=') ? arg.slice('--only='.length) : undefined
    if (arg !== '--only' && value === undefined) {
      rest.push(arg)
      continue
    }
    const names = (value ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '')
    if (names.length === 0) throw new RangeError('--only needs scenario names, e.g. --only journeys')
    only = [...only ?? [], ...names]
  }
  return { only, rest }
}

export function benchOptions (argv: readonly string[]): BenchOptions {
  const { only, rest } = onlyOf(argv)
  const unknown = rest.filter((arg) => arg !== '--quick')
  if (unknown.length > 0) throw new RangeError(`unknown argument(s) ${unknown.join(' ')}: the options are --quick and --only <scenarios>`)
  const quick = rest.includes('--quick')
  const compare: ComparePlan = {
    rounds: quick ? 1 : 3,
    warmupSec: quick ? 0.3 : 0.5,
    warmupConnections: 10,
    load: { connections: 100, durationSec: quick ? 1 : 2.5, maxRequests: 2_000_000, timeoutSec: 10 }
  }
  return {
    quick,
    only,
    compare,
    peerCompare: { ...compare, rounds: quick ? 1 : 5, warmupSec: quick ? 0.3 : 2.5, warmupConnections: compare.load.connections },
    readSizes: quick ? [1e3, 1e6] : [1e3, 1e5, 1e6],
    heavyUserAtEverySize: !quick,
    largeSize: 1e6,
    originalDesignRequests: quick ? 2 : 4,
    breakerRounds: quick ? 3 : 7,
    breakerCalls: quick ? 200_000 : 500_000,
    startupRuns: quick ? 3 : 5
  }
}
