import type { Clock } from './clock.js'

export interface ExpiringLruOptions {
  /** Most entries held at once, pinned ones included; a positive integer. */
  readonly maxEntries: number
  /** How long an unpinned entry lives after it was last set, in milliseconds; positive. */
  readonly ttlMs: number
  /** Where expiry reads the time (epoch ms). */
  readonly clock: Clock
}

export interface SetOptions {
  /** A pinned entry is never evicted and never expires, until it is set again unpinned or deleted. */
  readonly pinned?: boolean
  /** False: the entry expires like any other but is never evicted to make room (default true). */
  readonly evictable?: boolean
}

interface Slot<V> {
  readonly value: V
  /** Epoch ms at which the entry is gone; unused while pinned. */
  readonly expiresAt: number
}

/**
 * A bounded map whose unpinned entries expire `ttlMs` after they were set, least recently used
 * evicted first when full. Expiry is computed on read from the clock: no timer per entry.
 * Mutating methods: `get` (refreshes recency, drops an expired entry), `set`, `delete`.
 */
export class ExpiringLru<V> {
  readonly maxEntries: number
  readonly ttlMs: number
  readonly #clock: Clock
  // Unpinned entries, least recently used first: Map keeps insertion order, so a touch is delete + set.
  readonly #entries = new Map<string, Slot<V>>()
  // Pinned entries live apart so that eviction takes the oldest unpinned entry in O(1), however many are pinned.
  readonly #pinned = new Map<string, V>()
  // Entries that expire but are never evicted, oldest first (the TTL is the same for all, so also soonest to expire first).
  readonly #kept = new Map<string, Slot<V>>()

  constructor (options: ExpiringLruOptions) {
    const { maxEntries, ttlMs, clock } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`expiringLru.maxEntries must be a positive integer, got ${String(maxEntries)}`)
    }
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new RangeError(`expiringLru.ttlMs must be a positive number (ms), got ${String(ttlMs)}`)
    }
    this.maxEntries = maxEntries
    this.ttlMs = ttlMs
    this.#clock = clock
  }

  /** Entries held, pinned ones included; an expired entry counts until it is read or evicted. */
  get size (): number {
    return this.#entries.size + this.#pinned.size + this.#kept.size
  }

  /** Entries pinned now. */
  get pinnedSize (): number {
    return this.#pinned.size
  }

  /** The live value for `key`, marked most recently used; undefined (and dropped) once `now >= set time + ttlMs`. */
  get (key: string): V | undefined {
    if (this.#pinned.has(key)) return this.#pinned.get(key)
    const kept = this.#kept.get(key)
    if (kept !== undefined) {
      if (this.#clock() < kept.expiresAt) return kept.value
      this.#kept.delete(key)
      return undefined
    }
    const slot = this.#entries.get(key)
    if (slot === undefined) return undefined
    this.#entries.delete(key)
    if (this.#clock() >= slot.expiresAt) return undefined
    this.#entries.set(key, slot)
    return slot.value
  }

  /**
   * Stores `value` as the most recently used entry, restarting its TTL. A new key in a full store
   * evicts the least recently used unpinned entry; false (nothing stored) when every entry is pinned.
   */
  set (key: string, value: V, options: SetOptions = {}): boolean {
    const isNew = !this.#entries.delete(key) && !this.#pinned.delete(key) && !this.#kept.delete(key)
    if (isNew && this.size >= this.maxEntries && !this.#evictOldest()) return false
    if (options.pinned === true) {
      this.#pinned.set(key, value)
    } else if (options.evictable === false) {
      this.#kept.set(key, { value, expiresAt: this.#clock() + this.ttlMs })
    } else {
      this.#entries.set(key, { value, expiresAt: this.#clock() + this.ttlMs })
    }
    return true
  }

  /** Removes `key`, pinned or not; true when it was there. */
  delete (key: string): boolean {
    return this.#entries.delete(key) || this.#pinned.delete(key) || this.#kept.delete(key)
  }

  #evictOldest (): boolean {
    const oldest = this.#entries.keys().next()
    if (oldest.done !== true) {
      this.#entries.delete(oldest.value)
      return true
    }
    // Only expired entries may leave the kept ones; the oldest is the first to expire.
    const [keptKey, kept] = this.#kept.entries().next().value ?? []
    if (keptKey === undefined || kept === undefined || this.#clock() < kept.expiresAt) return false
    this.#kept.delete(keptKey)
    return true
  }
}
