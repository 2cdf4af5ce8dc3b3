import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Clock } from '../../../utils/clock.js'
import type { SharedRedis } from '../../cluster/index.js'

// Raises the stored time only when the new one is later, and tells the others only then: two
// instances opening at once for the same Retry-After publish it once between them.
const raiseScript = `
local stored = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) <= stored then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`

export interface SharedRetryAfterOptions {
  readonly redis: SharedRedis
  readonly clock: Clock
  /** Another instance was asked by the upstream to wait until `retryAt` (epoch ms). */
  readonly onRetryAt: (retryAt: number) => void
  /** This instance's time was later than the stored one: it was stored and published. */
  readonly onPublished: () => void
  /** A Redis call failed (slow or away): that piece of sharing is lost, nothing else. */
  readonly onError: () => void
}

interface Message {
  readonly retryAt: number
  readonly from: string
}

/**
 * The upstream's `Retry-After` shared between instances: the one that was told writes the time
 * until which to wait to `upstream:retry-after` and publishes it on the channel of that name; the
 * others hear it, or read the key when their subscription (re)connects. An instance ignores its own
 * messages. Every failure only stops the sharing: each instance's breaker still guards it alone.
 */
export class SharedRetryAfter {
  readonly #options: SharedRetryAfterOptions
  readonly #key: string
  readonly #id = randomUUID()
  #subscriber: Redis | undefined
  #caughtUp: Promise<void> = Promise.resolve()

  constructor (options: SharedRetryAfterOptions) {
    this.#options = options
    this.#key = options.redis.key('upstream:retry-after')
    options.redis.client.defineCommand('raiseRetryAfter', { numberOfKeys: 1, lua: raiseScript })
  }

  /**
   * Subscribes on a connection of its own; resolves once subscribed and caught up, after the first
   * failed attempt (the connection keeps retrying), or after the Redis deadline, whichever is first:
   * a Redis that is slow or frozen must not hold up the instance's start.
   */
  async start (): Promise<void> {
    const subscriber = this.#options.redis.blocking()
    this.#subscriber = subscriber
    subscriber.on('message', (channel: string, message: string) => { if (channel === this.#key) this.#heard(message) })
    // At every (re)connection: subscribe again if needed, then catch up on what was missed meanwhile.
    subscriber.on('ready', () => { this.#caughtUp = this.#catchUp(subscriber) })
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#options.redis.timeoutMs * 2) })
    const subscribed = (async () => {
      await subscriber.connect().catch(() => undefined)
      await this.#caughtUp
    })()
    await Promise.race([subscribed, deadline])
    clearTimeout(timer)
  }

  /** Tells the other instances that the upstream asked to wait until `retryAt` (epoch ms); never rejects. */
  async publish (retryAt: number): Promise<void> {
    const ttlMs = Math.ceil(retryAt - this.#options.clock())
    if (!(ttlMs > 0)) return
    const message: Message = { retryAt, from: this.#id }
    const client = this.#options.redis.client as Redis & { raiseRetryAfter: (key: string, ...args: string[]) => Promise<number> }
    try {
      if (await client.raiseRetryAfter(this.#key, String(retryAt), String(ttlMs), this.#key, JSON.stringify(message)) === 1) this.#options.onPublished()
    } catch {
      this.#options.onError()
    }
  }

  close (): void {
    this.#subscriber?.disconnect()
  }

  async #catchUp (subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(this.#key)
      const stored = await this.#options.redis.client.get(this.#key)
      const retryAt = stored === null ? Number.NaN : Number(stored)
      if (Number.isFinite(retryAt)) this.#options.onRetryAt(retryAt)
    } catch {
      this.#options.onError()
    }
  }

  #heard (raw: string): void {
    const message = parse(raw)
    if (message === undefined) {
      this.#options.onError()
      return
    }
    if (message.from !== this.#id) this.#options.onRetryAt(message.retryAt)
  }
}

function parse (raw: string): Message | undefined {
  try {
    const value = JSON.parse(raw) as Partial<Message> | null
    return typeof value?.retryAt === 'number' && Number.isFinite(value.retryAt) && typeof value.from === 'string'
      ? { retryAt: value.retryAt, from: value.from }
      : undefined
  } catch {
    return undefined
  }
}
