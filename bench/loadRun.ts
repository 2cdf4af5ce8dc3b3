import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadCpu, pinning, repoRoot } from './serverProcess.js'

export interface LoadTarget {
  /** Only 127.0.0.1 is ever a target. */
  readonly url: string
  readonly method?: 'GET' | 'POST'
  readonly body?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Replace `[<id>]` in the body with a new unique id on every request (autocannon's idReplacement). */
  readonly uniqueIds?: boolean
  /** Responses with any other status are counted as unexpected. */
  readonly expectStatus: number
}

export interface LoadSettings {
  readonly connections: number
  /** Longest run, in seconds. */
  readonly durationSec: number
  /** Most requests in one run: every run is bounded in count as well as in time. */
  readonly maxRequests: number
  /** Per-request timeout, in seconds. */
  readonly timeoutSec: number
}

export interface LoadResult {
  readonly requestsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** Responses whose status was not the expected one. */
  readonly unexpected: number
  readonly responses: number
}

/** The IPC protocol with loadWorker.ts. */
export interface LoadRequest { readonly id: number, readonly target: LoadTarget, readonly settings: LoadSettings }
export type LoadReply = { readonly id: number, readonly result: LoadResult } | { readonly id: number, readonly error: string }

const workerScript = fileURLToPath(new URL('loadWorker.ts', import.meta.url))
let worker: ChildProcess | undefined
let nextId = 0
const pending = new Map<number, (reply: LoadReply) => void>()

function startWorker (): ChildProcess {
  // Pinned from exec on, so every thread it ever starts inherits the CPU.
  const command = [process.execPath, '--import', 'tsx', workerScript]
  const [file = '', ...args] = pinning ? ['taskset', '-c', loadCpu, ...command] : command
  const child = spawn(file, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  child.on('message', (reply: LoadReply) => {
    pending.get(reply.id)?.(reply)
    pending.delete(reply.id)
  })
  child.on('exit', (code, signal) => {
    if (worker === child) worker = undefined
    for (const [id, resolve] of pending) resolve({ id, error: `the load generator exited (${String(code ?? signal)})` })
    pending.clear()
  })
  return child
}

/** One autocannon run in the load generator's process. */
export async function runLoad (target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  if (new URL(target.url).hostname !== '127.0.0.1') throw new RangeError(`refusing to load ${target.url}: only 127.0.0.1 is a target`)
  worker ??= startWorker()
  const child = worker
  const id = nextId++
  const reply = await new Promise<LoadReply>((resolve) => {
    // autocannon ends runs itself; this only guards against a wedged generator.
    const deadline = setTimeout(() => { child.kill('SIGKILL') }, (settings.durationSec + settings.timeoutSec + 15) * 1000)
    pending.set(id, (answer) => { clearTimeout(deadline); resolve(answer) })
    child.send({ id, target, settings } satisfies LoadRequest)
  })
  if ('error' in reply) throw new Error(`autocannon: ${reply.error}`)
  return reply.result
}

/** Ends the load generator's process (the suite would otherwise stay alive on its IPC channel). */
export function stopLoadGenerator (): void {
  worker?.disconnect()
  worker = undefined
}
