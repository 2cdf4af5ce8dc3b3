import type { LoadResult, LoadSettings, LoadTarget } from './loadRun.js'
import { runLoad } from './loadRun.js'
import { median } from './median.js'
import { cpuMicros, waitUntilIdle } from './processIdle.js'

export interface Arm {
  /** Shown in the table's server column. */
  readonly label: string
  readonly target: LoadTarget
  /** Processes that must be idle before the next run starts: the server first, then any upstream it loads. */
  readonly pids: readonly number[]
}

export interface ArmRun extends LoadResult {
  /** CPU time the server (the arm's first pid) spent per response, its tail after the run included; undefined without /proc. */
  readonly cpuMicrosPerResponse?: number | undefined
}

export interface ArmRuns {
  readonly label: string
  readonly runs: readonly ArmRun[]
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
  const runs = arms.map(() => [] as ArmRun[])
  const order = [...arms.keys()]
  for (let round = 0; round < plan.rounds; round++) {
    // The arm after another is measured while the kernel, caches and CPU clock still carry that
    // one's load: each arm takes every place in the order in turn.
    for (const index of round % 2 === 0 ? order : [...order].reverse()) {
      const arm = arms[index]
      if (arm === undefined) continue
      const server = arm.pids[0]
      const cpuBefore = server === undefined ? undefined : cpuMicros(server)
      const result = await runLoad(arm.target, plan.load)
      await waitUntilIdle(arm.pids)
      const cpuAfter = server === undefined ? undefined : cpuMicros(server)
      const cpuMicrosPerResponse = cpuBefore === undefined || cpuAfter === undefined || result.responses === 0 ? undefined : (cpuAfter - cpuBefore) / result.responses
      runs[index]?.push({ ...result, cpuMicrosPerResponse })
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

/**
 * The median over rounds of reference/subject CPU time per response, each pair measured in the same
 * round: above 1 when the subject does less work per request. Less at the mercy of the scheduler
 * than req/s, since a run that was slowed by something else still did the same work per request.
 */
export function medianCpuRatio (subject: ArmRuns, reference: ArmRuns): number {
  return median(subject.runs.map((run, index) => (reference.runs[index]?.cpuMicrosPerResponse ?? Number.NaN) / (run.cpuMicrosPerResponse ?? Number.NaN)))
}

/** The median over rounds of CPU time per response, in microseconds; NaN without /proc. */
export function medianCpuMicros (arm: ArmRuns): number {
  return median(arm.runs.map((run) => run.cpuMicrosPerResponse ?? Number.NaN))
}

/** The median over rounds of subject/reference req/s, each pair measured in the same round. */
export function medianRatio (subject: ArmRuns, reference: ArmRuns): number {
  return median(subject.runs.map((run, index) => run.requestsPerSec / (reference.runs[index]?.requestsPerSec ?? Number.NaN)))
}
