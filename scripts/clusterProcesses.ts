/**
 * A local cluster: N api processes on consecutive ports and M journey workers, each a real
 * `node dist/services/index.js`, sharing one Redis, one PostgreSQL and one set of mocks (event.com,
 * the email provider, the webhook receiver) served by the calling process. Used by `npm run cluster`
 * and by the soak's `--cluster`.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { request } from 'undici'

export interface ClusterOptions {
  readonly api: number
  readonly workers: number
  /** Port of the first api process; the others follow, then the workers. */
  readonly basePort: number
  readonly redisUrl: string
  readonly databaseUrl: string
  /** Where every instance sends event.com's calls and emails: the mocks' URLs. */
  readonly eventServiceUrl: string
  readonly emailApiUrl: string
  /** Settings for every process, over the defaults. */
  readonly env?: Readonly<Record<string, string>>
  /** Receives every log line, with the process's name. */
  readonly onLine?: (name: string, line: string) => void
}

export interface ClusterProcess {
  readonly name: string
  readonly role: 'api' | 'worker'
  readonly url: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
}

export interface Cluster {
  readonly processes: readonly ClusterProcess[]
  readonly apiUrls: readonly string[]
  /** Resolves once every process answers `/ready` with 200; rejects if one exits first or after `withinMs`. */
  ready: (withinMs?: number) => Promise<void>
  /** SIGTERM to every process (each drains), then waits for them; SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>
}

const root = fileURLToPath(new URL('..', import.meta.url))

/** Builds the gateway if a source changed since the last build (milliseconds when it did not). */
export function ensureBuilt (): void {
  const result = spawnSync(process.execPath, ['scripts/ensureBuilt.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) throw new Error(`the build failed (exit ${String(result.status)})`)
}

export function startCluster (options: ClusterOptions): Cluster {
  const processes: ClusterProcess[] = []
  const total = options.api + options.workers
  for (let index = 0; index < total; index++) {
    const role = index < options.api ? 'api' : 'worker'
    const name = role === 'api' ? `api-${index + 1}` : `worker-${index - options.api + 1}`
    const port = options.basePort + index
    const child = spawn(process.execPath, ['dist/services/index.js'], {
      cwd: root,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        ...options.env,
        ROLE: role,
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: options.redisUrl,
        DATABASE_URL: options.databaseUrl,
        EVENT_SERVICE_URL: options.eventServiceUrl,
        EMAIL_API_URL: options.emailApiUrl
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => { options.onLine?.(name, line) })
    }
    processes.push({ name, role, url: `http://127.0.0.1:${port}`, child, exited: once(child, 'exit').then(([code]) => code as number | null) })
  }

  return {
    processes,
    apiUrls: processes.filter((one) => one.role === 'api').map((one) => one.url),
    async ready (withinMs = 120_000) {
      const deadline = performance.now() + withinMs
      await Promise.all(processes.map(async (one) => {
        for (;;) {
          if (one.child.exitCode !== null || one.child.signalCode !== null) throw new Error(`${one.name} exited before it was ready`)
          const status = await request(`${one.url}/ready`).then(async (response) => { await response.body.dump(); return response.statusCode }, () => 0)
          if (status === 200) return
          if (performance.now() > deadline) throw new Error(`${one.name} was not ready within ${withinMs} ms`)
          await sleep(100)
        }
      }))
    },
    async stop (graceMs = 15_000) {
      await Promise.all(processes.map(async (one) => {
        if (one.child.exitCode !== null || one.child.signalCode !== null) return
        one.child.kill('SIGTERM')
        const timer = setTimeout(() => one.child.kill('SIGKILL'), graceMs)
        await one.exited
        clearTimeout(timer)
      }))
    }
  }
}

/** Deletes every key under `prefix` (a cluster's own key space, once it has stopped); never throws. */
export async function deleteRedisKeys (redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } catch {
    // Best effort: a cluster's keys are under a prefix of its own, so leftovers harm no other.
  } finally {
    redis.disconnect()
  }
}
