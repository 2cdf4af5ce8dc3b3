import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { StoreScripts } from './sharedStoreScripts.js'

export interface HeldLock {
  /** Whether the lock was still ours at the last refresh. */
  readonly held: boolean
  release: () => Promise<void>
}

/**
 * One hydration from event.com at a time across instances: SET NX PX, refreshed while its holder
 * runs, so a holder that dies frees it within `ttlMs`.
 */
export class HydrationLock {
  readonly #client: Redis & StoreScripts
  readonly #key: string
  readonly #ttlMs: number
  /** The token of a lock whose release may have failed: this instance may still hold it. */
  #leftover: string | undefined

  constructor (client: Redis & StoreScripts, key: string, ttlMs: number) {
    this.#client = client
    this.#key = key
    this.#ttlMs = ttlMs
  }

  /** The lock, or undefined while another instance holds it. Rejects when Redis does not answer. */
  async acquire (): Promise<HeldLock | undefined> {
    let token = randomBytes(12).toString('hex')
    if (await this.#client.set(this.#key, token, 'PX', this.#ttlMs, 'NX') !== 'OK') {
      // Our own lock, left behind by a release Redis did not answer, is ours to take again.
      const leftover = this.#leftover
      if (leftover === undefined || await this.#client.gwStoreRefreshLock(this.#key, leftover, this.#ttlMs) !== 1) return undefined
      token = leftover
    }
    this.#leftover = undefined
    let held = true
    const refresh = setInterval(() => {
      this.#client.gwStoreRefreshLock(this.#key, token, this.#ttlMs).then((kept) => { if (kept === 0) held = false }, () => undefined)
    }, Math.max(10, Math.floor(this.#ttlMs / 3)))
    refresh.unref()
    return {
      get held () { return held },
      release: async () => {
        clearInterval(refresh)
        await this.#client.gwStoreReleaseLock(this.#key, token).catch(() => { this.#leftover = token })
      }
    }
  }
}
