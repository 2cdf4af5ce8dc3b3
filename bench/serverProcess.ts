import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/**
 * On this 2-core machine the server under test and the load generator would otherwise fight for
 * the same core and the numbers would depend on the scheduler: servers get CPU 0, autocannon CPU 1.
 */
export const pinning = availableParallelism() >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0
export const serverCpu = '0'
export const loadCpu = '1'

/** A child server speaking servers/childProtocol.ts. */
export interface ServerProcess {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string
  readonly pid: number
  /** The next JSON line the server writes after the one with its port. */
  readonly nextMessage: (timeoutMs: number) => Promise<Record<string, unknown>>
  readonly stop: () => Promise<void>
}

export interface StartOptions {
  readonly args?: readonly string[]
  /** Longest wait for the port, in milliseconds (building 1e6 events takes seconds). */
  readonly startTimeoutMs?: number
  /** The CPU to pin it to once it listens (default: the server CPU); null leaves it to the scheduler. */
  readonly cpu?: string | null
  /** The root of another copy of the repository to run the script from (default: this one), e.g. an older revision's. */
  readonly root?: string
}

const running = new Set<ChildProcess>()

/** Pins every thread of a process (by id) to one CPU; a no-op where taskset is missing. */
export function pinProcess (pid: number, cpu: string): void {
  if (pinning) spawnSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' })
}

/** Starts a bench script under tsx (path relative to bench/) and waits for the port it reports. */
export async function startServer (script: string, options: StartOptions = {}): Promise<ServerProcess> {
  const root = options.root ?? repoRoot
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', script), ...options.args ?? []], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit']
  })
  running.add(child)
  const exited = once(child, 'exit').then(() => { running.delete(child) })

  const messages: Record<string, unknown>[] = []
  const waiters: ((message: Record<string, unknown> | Error) => void)[] = []
  const deliver = (message: Record<string, unknown> | Error): void => {
    const waiter = waiters.shift()
    if (waiter !== undefined) waiter(message)
    else if (!(message instanceof Error)) messages.push(message)
  }
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      deliver(JSON.parse(line) as Record<string, unknown>)
    } catch {
      process.stderr.write(`[${script}] ${line}\n`)
    }
  })
  void exited.then(() => {
    while (waiters.length > 0) deliver(new Error(`${script} exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)})`))
  })

  const nextMessage = (timeoutMs: number): Promise<Record<string, unknown>> => {
    const queued = messages.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`${script} has exited`))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1)
        reject(new Error(`${script} sent nothing within ${timeoutMs} ms`))
      }, timeoutMs)
      const waiter = (message: Record<string, unknown> | Error): void => {
        clearTimeout(timer)
        if (message instanceof Error) reject(message)
        else resolve(message)
      }
      waiters.push(waiter)
    })
  }

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => { child.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(killer)
    }
  }

  try {
    const first = await nextMessage(options.startTimeoutMs ?? 60_000)
    if (typeof first.port !== 'number' || child.pid === undefined) throw new Error(`${script} reported no port: ${JSON.stringify(first)}`)
    const cpu = options.cpu === undefined ? serverCpu : options.cpu
    if (cpu !== null) pinProcess(child.pid, cpu)
    return { url: `http://127.0.0.1:${first.port}`, pid: child.pid, nextMessage, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Starts several servers at once (their set-up overlaps); stops them all if one fails. */
export async function startServers (specs: readonly (readonly [string, StartOptions])[]): Promise<ServerProcess[]> {
  const settled = await Promise.allSettled(specs.map(([script, options]) => startServer(script, options)))
  const failed = settled.find((result) => result.status === 'rejected')
  if (failed !== undefined) {
    await stopServers(settled.flatMap((result) => result.status === 'fulfilled' ? [result.value] : []))
    throw failed.reason
  }
  return settled.flatMap((result) => result.status === 'fulfilled' ? [result.value] : [])
}

export async function stopServers (servers: readonly ServerProcess[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()))
}

/** Last resort on an unexpected exit: every child we started, by its own pid. */
export function killAllServers (): void {
  for (const child of running) child.kill('SIGKILL')
}
