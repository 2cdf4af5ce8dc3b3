import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'

export type RedisState = 'connecting' | 'ready' | 'down' | 'closed'

export interface SharedRedisOptions {
  readonly url: string
  /** Deadline of every command, in milliseconds (`REDIS_TIMEOUT_MS`). */
  readonly timeoutMs: number
  /** Prefix of every key (`REDIS_KEY_PREFIX`). */
  readonly keyPrefix: string
  /** Names the connections in `CLIENT LIST`. */
  readonly name?: string
}

/**
 * The Redis every instance shares, as the areas use it. `client` answers within the deadline or
 * rejects: commands are never queued while the connection is down, so a Redis that is slow or
 * away costs a caller at most `timeoutMs`. Blocking reads (stream tails) get a connection of their
 * own, without the deadline, from `blocking()`. The connections reconnect on their own, forever.
 */
export class SharedRedis {
  readonly client: Redis
  readonly timeoutMs: number
  readonly keyPrefix: string
  readonly #options: RedisOptions
  readonly #url: string
  readonly #blocking = new Set<Redis>()
  readonly #readyListeners = new Set<() => void>()
  #state: RedisState = 'connecting'
  #errors = 0

  constructor (options: SharedRedisOptions) {
    this.timeoutMs = options.timeoutMs
    this.keyPrefix = options.keyPrefix
    this.#url = options.url
    this.#options = {
      connectionName: options.name ?? 'event-gateway',
      // Fail at once while disconnected instead of queueing: a queued command would outlive its deadline.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1000, options.timeoutMs * 4),
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
      // A client is a pair of sockets at most; `lazyConnect` keeps construction free of I/O.
      lazyConnect: true
    }
    this.client = new Redis(this.#url, { ...this.#options, commandTimeout: options.timeoutMs })
    this.client.on('ready', () => {
      this.#state = 'ready'
      for (const listener of this.#readyListeners) listener()
    })
    this.client.on('close', () => { if (this.#state !== 'closed') this.#state = 'down' })
    // ioredis emits every failed connection attempt; the state and the counters say it, the log says it once per outage (the owner's job).
    this.client.on('error', () => { this.#errors++ })
  }

  get state (): RedisState {
    return this.#state
  }

  /** Connection errors seen so far. */
  get connectionErrors (): number {
    return this.#errors
  }

  /** Connects; resolves once connected or after the first failed attempt (the client keeps trying). */
  async connect (): Promise<void> {
    await this.client.connect().catch(() => undefined)
  }

  /** `name` with this gateway's prefix: the only way the areas make keys. */
  key (name: string): string {
    return this.keyPrefix + name
  }

  /** Runs `listener` at every (re)connection, so state kept in Redis can be checked and rebuilt. */
  onReady (listener: () => void): () => void {
    this.#readyListeners.add(listener)
    return () => this.#readyListeners.delete(listener)
  }

  /** A connection of its own without a deadline, for blocking reads; closed with this one. */
  blocking (): Redis {
    const connection = new Redis(this.#url, { ...this.#options, connectionName: `${String(this.#options.connectionName)}:blocking` })
    connection.on('error', () => { this.#errors++ })
    this.#blocking.add(connection)
    return connection
  }

  async close (): Promise<void> {
    this.#state = 'closed'
    const connections = [this.client, ...this.#blocking]
    this.#blocking.clear()
    // `disconnect` rather than `quit`: a quit waits for a reply a Redis that is away never sends.
    for (const connection of connections) connection.disconnect()
    await Promise.resolve()
  }
}
