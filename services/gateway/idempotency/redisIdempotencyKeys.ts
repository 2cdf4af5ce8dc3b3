import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SharedRedis } from '../../cluster/index.js'
import { GatewayError, RetryableError } from '../../http/errors.js'
import { idempotencyRetryAfterMs } from './idempotencyKeys.js'
import type { Begin, IdempotencyKeys } from './idempotencyKeys.js'
import { abandonScript, beginScript, countScript, failScript, succeedScript } from './idempotencyScripts.js'
import type { IdempotencyKeysOptions } from './memoryIdempotencyKeys.js'

/** The calls whose failure to reach Redis is reported. */
export type IdempotencyOperation = 'begin' | 'succeed' | 'fail' | 'abandon' | 'completed' | 'count'

export interface RedisIdempotencyKeysOptions extends IdempotencyKeysOptions {
  readonly redis: SharedRedis
  /**
   * How long an attempt holds its key in flight, in milliseconds: longer than any attempt of a live
   * instance lasts, so that only an attempt that will never report (its instance died, or lost
   * Redis) loses it. A lapsed lease counts as a failed attempt of unknown outcome.
   */
  readonly leaseMs: number
  /** Told of every call that could not reach Redis (timeout, connection down), with its error. */
  readonly onUnavailable?: (operation: IdempotencyOperation, error: unknown) => void
}

// The real PEXPIRE only collects what no instance reads any more; expiry itself follows the clock.
const collectAfterMs = 60 * 60 * 1000

const commands = {
  idempotencyBegin: beginScript,
  idempotencySucceed: succeedScript,
  idempotencyFail: failScript,
  idempotencyAbandon: abandonScript,
  idempotencyCount: countScript
} as const

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>
type Scripted = Redis & Record<keyof typeof commands, ScriptCall>

/** GW_ERR_SHARED_STATE_UNAVAILABLE: the key could not be checked, so nothing was sent. */
export function sharedStateUnavailable (cause: unknown): RetryableError {
  return new RetryableError('GW_ERR_SHARED_STATE_UNAVAILABLE', 'The Idempotency-Key could not be checked in the shared state; nothing was sent', idempotencyRetryAfterMs, { cause })
}

/**
 * Idempotency-Keys shared by every instance through Redis, with the state machine, bounds and expiry
 * of MemoryIdempotencyKeys (same contract), each step one Lua script so that two instances racing on
 * one key never both proceed. Every call answers within the shared Redis's deadline or rejects with
 * GW_ERR_SHARED_STATE_UNAVAILABLE (503, not forwarded): a key that cannot be checked fails closed.
 *
 * Each attempt in flight holds a lease with a token; `fail` and `abandon` act only for the holder.
 * If `succeed` or `fail` cannot reach Redis, the key stays in flight (409 to a retry) until the
 * lease lapses; it is then an attempt of unknown outcome, whose retry reuses the reserved event id
 * and first asks event.com whether it has it. So a write acknowledged while Redis was away is never
 * sent again under a new id.
 */
export class RedisIdempotencyKeys<B = unknown> implements IdempotencyKeys<B> {
  readonly #redis: SharedRedis
  readonly #keys: readonly string[]
  readonly #hashPrefix: string
  readonly #options: RedisIdempotencyKeysOptions
  readonly #gcMs: number
  // This instance's attempts in flight, by key: their tokens, for `fail` and `abandon`.
  readonly #tokens = new Map<string, string>()

  constructor (options: RedisIdempotencyKeysOptions) {
    if (!Number.isFinite(options.leaseMs) || options.leaseMs <= 0) {
      throw new RangeError(`RedisIdempotencyKeys.leaseMs must be a positive number (ms), got ${String(options.leaseMs)}`)
    }
    this.#options = options
    this.#redis = options.redis
    this.#hashPrefix = options.redis.key('idem:e:')
    this.#keys = ['pinned', 'expiry', 'lru', 'kept', 'seq'].map((name) => options.redis.key(`idem:${name}`))
    this.#gcMs = options.leaseMs + options.ttlMs + collectAfterMs
    for (const [name, lua] of Object.entries(commands)) options.redis.client.defineCommand(name, { numberOfKeys: 6, lua })
  }

  async count (): Promise<number> {
    return Number(await this.#run('count', 'idempotencyCount', '', []))
  }

  async completed (key: string): Promise<boolean> {
    const [state, expiresAt] = await this.#call('completed', () => this.#redis.client.hmget(this.#hashPrefix + key, 's', 'ex'))
    return state === 'c' && Number(expiresAt) > this.#options.clock()
  }

  async begin (key: string, requestFingerprint: string, newEventId: () => string): Promise<Begin<B>> {
    const token = randomUUID()
    const args = [requestFingerprint, this.#options.maxKeys, this.#options.leaseMs]
    let reply = await this.#begin(key, [...args, '', token])
    // A new key needs a new event id, drawn only then; the key is looked at again with it, as another
    // instance may have taken it meanwhile.
    if (reply[0] === 'new') reply = await this.#begin(key, [...args, newEventId(), token])
    const [kind, first, second] = reply
    switch (kind) {
      case 'proceed':
        this.#tokens.set(key, token)
        return { kind: 'proceed', eventId: String(first), uncertain: second === '1' }
      case 'replay':
        return { kind: 'replay', status: Number(first), body: JSON.parse(String(second)) as B }
      case 'mismatch':
        throw new GatewayError('GW_ERR_IDEMPOTENCY_MISMATCH', 'This Idempotency-Key was already used with a different request body')
      case 'in-flight':
        throw new RetryableError('GW_ERR_IDEMPOTENCY_IN_FLIGHT', 'A request with this Idempotency-Key is still being processed', idempotencyRetryAfterMs)
      case 'settling':
        throw new RetryableError('GW_ERR_IDEMPOTENCY_IN_FLIGHT', 'The event service may still be processing an earlier attempt with this Idempotency-Key', Number(first))
      case 'full':
        throw new RetryableError('GW_ERR_BULKHEAD_FULL', 'Too many writes with an Idempotency-Key are in flight', idempotencyRetryAfterMs)
      default:
        throw new TypeError(`the idempotency begin script answered ${String(kind)}`)
    }
  }

  async succeed (key: string, status: number, body: B): Promise<void> {
    if (!Number.isInteger(status) || status < 200 || status > 299) {
      throw new RangeError(`IdempotencyKeys.succeed takes a 2xx status, got ${String(status)}`)
    }
    this.#tokens.delete(key)
    await this.#run('succeed', 'idempotencySucceed', key, [status, JSON.stringify(body)])
  }

  async fail (key: string, outcomeUnknown = false): Promise<void> {
    const token = this.#tokens.get(key) ?? ''
    this.#tokens.delete(key)
    await this.#run('fail', 'idempotencyFail', key, [outcomeUnknown ? '1' : '0', token])
  }

  async abandon (key: string): Promise<void> {
    const token = this.#tokens.get(key) ?? ''
    this.#tokens.delete(key)
    await this.#run('abandon', 'idempotencyAbandon', key, [token])
  }

  async #begin (key: string, args: (string | number)[]): Promise<unknown[]> {
    try {
      const reply = await this.#run('begin', 'idempotencyBegin', key, args)
      // Nothing was sent yet: an answer that is not the script's own is a Redis that cannot be relied on now.
      if (!Array.isArray(reply)) throw sharedStateUnavailable(new TypeError(`the idempotency begin script answered ${JSON.stringify(reply)}`))
      return reply as unknown[]
    } catch (error) {
      // The script may still run once the deadline passed (a slow Redis): the attempt it would have
      // started was never sent, so release it for a prompt retry. Unheard, the lease covers it.
      this.#release(key, String(args.at(-1)))
      throw error
    }
  }

  #release (key: string, token: string): void {
    this.#script('idempotencyAbandon', key, [token]).catch(() => undefined)
  }

  #run (operation: IdempotencyOperation, command: keyof typeof commands, key: string, args: (string | number)[]): Promise<unknown> {
    return this.#call(operation, () => this.#script(command, key, args))
  }

  #script (command: keyof typeof commands, key: string, args: (string | number)[]): Promise<unknown> {
    const { clock, ttlMs, settleMs = 0 } = this.#options
    const client = this.#redis.client as Scripted
    return client[command](...this.#keys, this.#hashPrefix + key, this.#hashPrefix, key, clock(), ttlMs, this.#gcMs, settleMs, ...args)
  }

  async #call<T> (operation: IdempotencyOperation, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      this.#options.onUnavailable?.(operation, error)
      throw sharedStateUnavailable(error)
    }
  }
}
