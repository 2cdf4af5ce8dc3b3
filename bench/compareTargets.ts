import type { LoadResult, LoadSettings, LoadTarget } from './loadRun.js'
import { runLoad } from './loadRun.js'
import { median } from './median.js'
import { waitUntilIdle } from './processIdle.js'

export interface Arm {
  /** Shown in the table's server column. */
  readonly label: string
  readonly target: LoadTarget
  /** Processes that must be idle before the next run starts: the server, and any upstream it loads. */
  readonly pids: readonly number[]
}

export interface ArmRuns {
  readonly label: string
  readonly runs: readonly LoadResult[]
}

export interface ComparePlan {
  /** How many times each arm runs, interleaved A,B,C, C,B,A, A,B,C, … so that drift, and whatever an arm's place in a round does to it, hits all arms alike. */
  readonly rounds: number
  /** An unmeasured run per arm first, for the JIT and caches. */
  readonly warmupSec: number
  /** Connections for the warm-up: few, so that a slow arm has little left to work off after it. */
  readonly warmupConnections: number
  readonly load: LoadSettings
}

/** Runs every arm once per round, after one warm-up run each: in order, then in reverse order, and so on. */
export async function alternate (arms: readonly Arm[], plan: ComparePlan): Promise<ArmRuns[]> {
  // Servers that just built a large store may still be collecting garbage.
  await waitUntilIdle(arms.flatMap((arm) => arm.pids))
  for (const arm of arms) {
    await runLoad(arm.target, { ...plan.load, durationSec: plan.warmupSec, connections: plan.warmupConnections })
    await waitUntilIdle(arm.pids)
  }
  const runs = arms.map(() => [] as LoadResult[])
  const order = [...arms.keys()]
  for (let round = 0; round < plan.rounds; round++) {
    // The arm after another is measured while the kernel, caches and CPU clock still carry that
    // one's load: each arm takes every place in the order in turn.
    for (const index of round % 2 === 0 ? order : [...order].reverse()) {
      const arm = arms[index]
      if (arm === undefined) continue
      runs[index]?.push(await runLoad(arm.target, plan.load))
      await waitUntilIdle(arm.pids)
    }
  }
  return arms.map((arm, index) => ({ label: arm.label, runs: runs[index] ?? [] }))
}

export interface ArmSummary {
  readonly label: string
  /** Medians over the runs. */
  readonly requestsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Sums over the runs. */
  readonly errors: number
  readonly unexpected: number
}

export function summarize (arm: ArmRuns): ArmSummary {
  return {
    label: arm.label,
    requestsPerSec: median(arm.runs.map((run) => run.requestsPerSec)),
    p50Ms: median(arm.runs.map((run) => run.p50Ms)),
    p99Ms: median(arm.runs.map((run) => run.p99Ms)),
    errors: arm.runs.reduce((sum, run) => sum + run.errors, 0),
    unexpected: arm.runs.reduce((sum, run) => sum + run.unexpected, 0)
  }
}

/** The median over rounds of subject/reference req/s, each pair measured in the same round. */
export function medianRatio (subject: ArmRuns, reference: ArmRuns): number {
  return median(subject.runs.map((run, index) => run.requestsPerSec / (reference.runs[index]?.requestsPerSec ?? Number.NaN)))
}
