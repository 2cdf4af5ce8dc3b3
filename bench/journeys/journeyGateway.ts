import { spawn, spawnSync } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { Pool } from 'undici'
import { freePort } from '../freePort.js'
import { repoRoot } from '../serverProcess.js'
import { stopGroup } from '../../utils/processGroup.js'

/** The compiled gateway as `npm start` runs it, with the journeys engine on, in a process group of its own. */
export interface JourneyGateway {
  readonly url: string
  readonly pid: number
  /** Keep-alive connections to it, for the scenario's own requests (not the load generator's). */
  readonly pool: Pool
  readonly stop: () => Promise<void>
}

export interface StartedGateway {
  readonly gateway: JourneyGateway
  /** Spawn to the first GET /ready 200. */
  readonly readyMs: number
  /** /health, polled one request at a time every 20 ms from spawn to ready. */
  readonly healthPolls: number
  readonly healthSlowestMs: number
}

const readyLimitMs = 60_000
const pollEveryMs = 20

/** Compiles the gateway when its sources changed since the last build: the bench runs dist/, as production does. */
export function ensureBuilt (): void {
  const result = spawnSync(process.execPath, ['scripts/ensureBuilt.mjs'], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 })
  if (result.status !== 0) throw new Error(`the gateway did not build: ${result.stderr.trim() || result.stdout.trim()}`)
}

/** The process's resident set (every thread, the engine's and PGlite's WebAssembly memory included), in bytes. */
export function rssOf (pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? Number.NaN : Number(match[1]) * 1024
}

async function statusOf (pool: Pool, path: string): Promise<number | undefined> {
  try {
    const response = await pool.request({ method: 'GET', path, headersTimeout: 10_000, bodyTimeout: 10_000 })
    await response.body.dump()
    return response.statusCode
  } catch {
    return undefined
  }
}

/**
 * Spawns `node dist/services/index.js` with the production settings from `env` (logs at the
 * default level, discarded) and polls /health until /ready answers 200: what an orchestrator's
 * probe sees while the engine's database starts.
 */
export async function startJourneyGateway (env: Readonly<Record<string, string>>): Promise<StartedGateway> {
  const port = await freePort()
  // Single mode unless a scenario asks for a Redis: an exported REDIS_URL is not inherited.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: '', ...env, PORT: String(port), HOST: '127.0.0.1' }
  delete childEnv.NODE_OPTIONS
  const start = performance.now()
  // BENCH_GATEWAY_LOG=<file> keeps the gateway's logs, and BENCH_GATEWAY_NODE_ARGS adds Node flags
  // (e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`, a profile per thread), to see what a slow run was doing.
  const logFile = process.env.BENCH_GATEWAY_LOG
  const stdout = logFile === undefined || logFile === '' ? 'ignore' : openSync(logFile, 'a')
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')
  const child = spawn(process.execPath, [...nodeArgs, 'dist/services/index.js'], { cwd: repoRoot, env: childEnv, detached: true, stdio: ['ignore', stdout, 'inherit'] })
  const pid = child.pid
  if (pid === undefined) throw new Error('the gateway did not start')
  const url = `http://127.0.0.1:${port}`
  const pool = new Pool(url, { connections: 64, pipelining: 1 })
  const stop = async (): Promise<void> => {
    await pool.close().catch(() => undefined)
    await stopGroup(pid, 15_000)
  }
  let healthPolls = 0
  let healthSlowestMs = 0
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before it was ready`)
      if (performance.now() - start > readyLimitMs) throw new Error(`the gateway was not ready within ${readyLimitMs} ms`)
      const asked = performance.now()
      const health = await statusOf(pool, '/health')
      if (health !== undefined) {
        healthPolls += 1
        healthSlowestMs = Math.max(healthSlowestMs, performance.now() - asked)
        if (await statusOf(pool, '/ready') === 200) break
      }
      await new Promise((resolve) => setTimeout(resolve, pollEveryMs))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { gateway: { url, pid, pool, stop }, readyMs: performance.now() - start, healthPolls, healthSlowestMs }
}
