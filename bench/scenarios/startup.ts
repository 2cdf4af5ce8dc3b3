import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { get } from 'node:http'
import { createServer } from 'node:net'
import type { BenchOptions } from '../benchOptions.js'
import { median } from '../median.js'
import { repoRoot, startServer } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatMs, verdict } from '../table.js'

const targetMs = 500
const waitLimitMs = 15_000

/** A port nothing listens on right now (the OS picks it; released before the gateway binds it). */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

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

async function startOnce (eventServiceUrl: string): Promise<StartTimes> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, EVENT_SERVICE_URL: eventServiceUrl, PORT: String(port), HOST: '127.0.0.1' }
  // Whatever loader started this runner must not slow the compiled gateway down.
  delete env.NODE_OPTIONS
  const start = performance.now()
  const child = spawn(process.execPath, ['dist/services/index.js'], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise((resolve) => { child.on('exit', resolve) })
  try {
    const healthMs = await until200(`http://127.0.0.1:${port}/health`, start, child)
    const readyMs = await until200(`http://127.0.0.1:${port}/ready`, start, child)
    return { healthMs, readyMs }
  } finally {
    child.kill('SIGTERM')
    const killer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
    await exited
    clearTimeout(killer)
  }
}

/** Scenario 8: from spawning the compiled gateway to its first answers. */
export async function startup (options: BenchOptions): Promise<Table> {
  const buildMs = await build()
  const stub = await startServer('servers/upstreamServer.ts', { args: ['--mode=events', '--size=1000'], cpu: null })
  const runs: StartTimes[] = []
  try {
    for (let run = 0; run < options.startupRuns; run++) runs.push(await startOnce(stub.url))
  } finally {
    await stub.stop()
  }
  const health = runs.map((run) => run.healthMs)
  const ready = runs.map((run) => run.readyMs)
  const spread = (values: readonly number[]): string => `${formatMs(Math.min(...values))}–${formatMs(Math.max(...values))} ms`
  return {
    title: '8. Process start to first response: node dist/services/index.js',
    header: ['measure', `median of ${runs.length}`, 'min–max', 'target', 'result'],
    rows: [
      ['spawn → first GET /health 200', `${formatMs(median(health))} ms`, spread(health), `≤ ${targetMs} ms`, verdict(median(health) <= targetMs)],
      ['spawn → GET /ready 200 (hydrated from a 1e3-event stub)', `${formatMs(median(ready))} ms`, spread(ready), '—', '—'],
      ['npm run build (before the runs, not part of start)', `${formatMs(buildMs)} ms`, '—', '—', '—']
    ],
    notes: ['Default settings (LOG_LEVEL info, logs discarded), EVENT_SERVICE_URL pointing at a local node:http stub; not pinned to a CPU; /health polled every 2 ms on fresh connections.']
  }
}
