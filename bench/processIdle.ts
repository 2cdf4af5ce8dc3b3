import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's CPU times (100 nearly everywhere). */
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100

/** CPU time (user + system) a process has used so far, in ticks; undefined without /proc. */
function cpuTicks (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

/** CPU time (user + system, every thread) a process has used so far, in microseconds; undefined without /proc. */
export function cpuMicros (pid: number): number | undefined {
  const ticks = cpuTicks(pid)
  return ticks === undefined ? undefined : ticks * 1e6 / ticksPerSecond
}

const windowMs = 50
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until every process is idle (at most 20% of a CPU over a 50 ms window), at most
 * limitMs. A slow server still holds up to one request per connection when autocannon stops, and
 * working that off would eat into the next arm's run; a request to the server cannot tell, since
 * Fastify interleaves a new request with the queued ones.
 */
export async function waitUntilIdle (pids: readonly number[], limitMs = 30_000): Promise<void> {
  // One tick is 10 ms at the usual 100 Hz: at most 20% of a CPU over the window counts as idle.
  const maxTicks = Math.max(1, Math.floor((windowMs / 1000) * ticksPerSecond * 0.2))
  const start = performance.now()
  let before = pids.map(cpuTicks)
  while (performance.now() - start < limitMs) {
    await sleep(windowMs)
    const after = pids.map(cpuTicks)
    const busy = after.some((ticks, index) => ticks !== undefined && ticks - (before[index] ?? ticks) > maxTicks)
    if (!busy) return
    before = after
  }
}
