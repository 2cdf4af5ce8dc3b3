import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { get } from 'node:http'
import type { BenchOptions } from '../benchOptions.js'
import { freePort } from '../freePort.js'
import { median } from '../median.js'
import { repoRoot, startServer } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatMs, verdict } from '../table.js'
import { stopGroup } from '../../utils/processGroup.js'

const npmStartTargetMs = 1000
const nodeTargetMs = 500
const waitLimitMs = 15_000

/** One GET on a fresh connection: its status, or undefined while nothing accepts connections. */
function status (url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 1000 }, (response) => {
      response.resume()
      response.on('end', () => { resolve(response.statusCode) })
    })
    request.on('timeout', () => { request.destroy() })
    request.on('error', () => { resolve(undefined) })
  })
}

/** Milliseconds from `start` until `url` answers 200, polling every 2 ms. */
async function until200 (url: string, start: number, child: ChildProcess): Promise<number> {
  while (performance.now() - start < waitLimitMs) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before ${url} answered`)
    if (await status(url) === 200) return performance.now() - start
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  throw new Error(`${url} did not answer 200 within ${waitLimitMs} ms`)
}

/** `npm run build`, in milliseconds. */
async function build (): Promise<number> {
  const start = performance.now()
  const child = spawn('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  const deadline = setTimeout(() => { child.kill('SIGKILL') }, 180_000)
  // tsc reports on stdout, npm on stderr: keep both for the error.
  let output = ''
  const collect = (chunk: string): void => { output += chunk }
  child.stdout.setEncoding('utf8').on('data', collect)
  child.stderr.setEncoding('utf8').on('data', collect)
  const code = await new Promise<number | null>((resolve) => { child.on('close', resolve) })
  clearTimeout(deadline)
  if (code !== 0) {
    const messages = output.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('npm warn') && !line.startsWith('>'))
    throw new Error(`npm run build failed (exit ${String(code)}): ${messages.slice(0, 5).join(' / ')}`)
  }
  return performance.now() - start
}

interface StartTimes { readonly healthMs: number, readonly readyMs: number }

/** A way to start the gateway: what a user types, and the compiled entry point alone. */
interface Arm { readonly label: string, readonly command: readonly [string, ...string[]], readonly targetMs: number }

const npmStart: Arm = { label: 'npm start', command: ['npm', 'start'], targetMs: npmStartTargetMs }
const nodeAlone: Arm = { label: 'node dist/services/index.js', command: [process.execPath, 'dist/services/index.js'], targetMs: nodeTargetMs }
const arms = [npmStart, nodeAlone]


async function startOnce (arm: Arm, eventServiceUrl: string): Promise<StartTimes> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: '', EVENT_SERVICE_URL: eventServiceUrl, PORT: String(port), HOST: '127.0.0.1' }
  // Whatever loader started this runner must not slow the compiled gateway down.
  delete env.NODE_OPTIONS
  const [command, ...args] = arm.command
  const start = performance.now()
  // A process group of its own, so that stopping npm also stops the gateway it started.
  const child = spawn(command, args, { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'ignore', 'inherit'] })
  const pid = child.pid
  if (pid === undefined) throw new Error(`${arm.label} did not start`)
  try {
    const healthMs = await until200(`http://127.0.0.1:${port}/health`, start, child)
    const readyMs = await until200(`http://127.0.0.1:${port}/ready`, start, child)
    return { healthMs, readyMs }
  } finally {
    await stopGroup(pid, 10_000)
  }
}

/** `node scripts/ensureBuilt.mjs --check` on the built tree, in milliseconds: the price npm start pays before the gateway. */
function checkOnce (): number {
  const start = performance.now()
  const result = spawnSync(process.execPath, ['scripts/ensureBuilt.mjs', '--check'], { cwd: repoRoot, encoding: 'utf8', timeout: 10_000 })
  const ms = performance.now() - start
  if (result.status !== 0) throw new Error(`the tree is not fresh after the build: ${result.stderr.trim()}`)
  return ms
}

/** Scenario 8: from the command a user types, and from the compiled entry point alone, to the first answers. */
export async function startup (options: BenchOptions): Promise<Table> {
  const buildMs = await build()
  const stub = await startServer('servers/upstreamServer.ts', { args: ['--mode=events', '--size=1000'], cpu: null })
  const runs = new Map(arms.map((arm) => [arm, [] as StartTimes[]]))
  const checks: number[] = []
  try {
    // Interleaved, so that a noisy moment on the machine hits every arm alike.
    for (let run = 0; run < options.startupRuns; run++) {
      checks.push(checkOnce())
      for (const arm of arms) runs.get(arm)?.push(await startOnce(arm, stub.url))
    }
  } finally {
    await stub.stop()
  }
  const spread = (values: readonly number[]): string => `${formatMs(Math.min(...values))}–${formatMs(Math.max(...values))} ms`
  const row = (measure: string, values: readonly number[], targetMs?: number): string[] => [
    measure,
    `${formatMs(median(values))} ms`,
    spread(values),
    targetMs === undefined ? '—' : `≤ ${formatMs(targetMs)} ms`,
    targetMs === undefined ? '—' : verdict(median(values) <= targetMs)
  ]
  const of = (arm: Arm): readonly StartTimes[] => runs.get(arm) ?? []
  const health = arms.map((arm) => row(`spawn \`${arm.label}\` → first GET /health 200`, of(arm).map((times) => times.healthMs), arm.targetMs))
  return {
    title: '8. Process start to first response: npm start, and node dist/services/index.js',
    header: ['measure', `median of ${options.startupRuns}`, 'min–max', 'target', 'result'],
    rows: [
      ...health,
      row('spawn `node dist/services/index.js` → GET /ready 200 (hydrated from a 1e3-event stub)', of(nodeAlone).map((times) => times.readyMs)),
      row('`node scripts/ensureBuilt.mjs --check` on the unchanged tree (npm start runs this check first)', checks),
      ['npm run build (before the runs, not part of start)', `${formatMs(buildMs)} ms`, '—', '—', '—']
    ],
    notes: [
      'On a built, unchanged tree: npm start runs the check, then the gateway in the same Node process.',
      'Runs interleaved (check, npm start, node, check, …); each process group stopped before the next run.',
      'Default settings (LOG_LEVEL info, logs discarded), EVENT_SERVICE_URL pointing at a local node:http stub; not pinned to a CPU; /health polled every 2 ms on fresh connections.'
    ]
  }
}
