import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { Redis } from 'ioredis'
import { SharedRedis } from '../../services/cluster/index.js'
import { eventually } from './eventually.js'

/** The Redis every instance of the machine shares (`REDIS_URL`, as `.ci/run` sets it): tests use it under a key prefix of their own, and never stop it. */
export const sharedRedisUrl = process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '' ? process.env.REDIS_URL : 'redis://127.0.0.1:6379'

/** A key prefix no other test uses. */
export function uniquePrefix (): string {
  return `test:${randomBytes(6).toString('hex')}:`
}

/** A SharedRedis on the machine's Redis under a fresh prefix, and the function that deletes its keys and closes it. */
export async function sharedRedisForTest (options: { timeoutMs?: number, url?: string, keyPrefix?: string } = {}): Promise<{ redis: SharedRedis, cleanup: () => Promise<void> }> {
  const keyPrefix = options.keyPrefix ?? uniquePrefix()
  const redis = new SharedRedis({ url: options.url ?? sharedRedisUrl, timeoutMs: options.timeoutMs ?? 1000, keyPrefix, name: 'test' })
  await redis.connect()
  return {
    redis,
    cleanup: async () => {
      await deleteKeys(options.url ?? sharedRedisUrl, keyPrefix).catch(() => undefined)
      await redis.close()
    }
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys (url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}

/** A free TCP port on loopback. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A redis-server of a test's own, on a spare port, keeping nothing on disk: the one a fault test may stop, restart or pause. */
export interface OwnRedis {
  readonly port: number
  readonly url: string
  /** Stops it (SIGKILL, like a crash); its data is gone. */
  kill: () => Promise<void>
  /** Starts it again on the same port, empty. */
  start: () => Promise<void>
  /** Freezes it (SIGSTOP): connections stay open and nothing is answered. */
  pause: () => void
  resume: () => void
}

export async function startOwnRedis (): Promise<OwnRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' })
    await eventually('the test redis-server answers', async () => {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => undefined)
      try {
        await probe.connect()
        await probe.ping()
        return true
      } catch {
        return undefined
      } finally {
        probe.disconnect()
      }
    }, 10_000, 25)
  }
  const kill = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running?.exitCode !== null) return
    running.kill('SIGCONT')
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    pause: () => { child?.kill('SIGSTOP') },
    resume: () => { child?.kill('SIGCONT') }
  }
}

/** A TCP proxy in front of a Redis that holds every chunk, both ways, for `delayMs` (settable): a slow Redis. */
export interface SlowProxy {
  readonly url: string
  delayMs: number
  close: () => Promise<void>
}

export async function slowProxy (targetPort: number, delayMs = 0): Promise<SlowProxy> {
  const sockets = new Set<Socket>()
  const state = { delayMs }
  // Each direction is a queue: a chunk leaves `delayMs` after it came, and never before the chunks
  // that came before it, even when the delay was just lowered (TCP does not reorder a stream).
  const relay = (from: Socket, to: Socket): void => {
    const queue: { readonly at: number, readonly chunk: Buffer | undefined }[] = []
    let timer: NodeJS.Timeout | undefined
    const flush = (): void => {
      timer = undefined
      while (queue.length > 0 && (queue[0]?.at ?? 0) <= performance.now()) {
        const { chunk } = queue.shift() ?? {}
        if (to.destroyed) continue
        if (chunk === undefined) to.destroy()
        else to.write(chunk)
      }
      const next = queue[0]
      if (next !== undefined) timer = setTimeout(flush, Math.max(0, next.at - performance.now()))
    }
    const push = (chunk: Buffer | undefined): void => {
      const at = Math.max(performance.now() + state.delayMs, queue.at(-1)?.at ?? 0)
      queue.push({ at, chunk })
      if (timer === undefined) {
        if (at <= performance.now()) flush()
        else timer = setTimeout(flush, at - performance.now())
      }
    }
    from.on('data', (chunk: Buffer) => { push(chunk) })
    from.on('close', () => { push(undefined) })
    from.on('error', () => undefined)
  }
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    relay(client, upstream)
    relay(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `redis://127.0.0.1:${port}`,
    get delayMs () { return state.delayMs },
    set delayMs (value: number) { state.delayMs = value },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
