/** A list that keeps its newest `max` entries; `dropped` says how many older ones it let go. */
export class BoundedList<T> {
  readonly max: number
  #items: T[] = []
  #dropped = 0

  constructor (max: number) {
    this.max = max
  }

  get items (): readonly T[] {
    return this.#items
  }

  get dropped (): number {
    return this.#dropped
  }

  /** Mutates: appends, forgetting the oldest entry when full. */
  push (item: T): void {
    this.#items.push(item)
    if (this.#items.length > this.max) {
      this.#items.shift()
      this.#dropped += 1
    }
  }
}

/** Counters per key for at most `max` keys; a new key past that forgets the oldest one. */
export class KeyCounts<C extends object> {
  readonly max: number
  readonly #create: () => C
  readonly #counts = new Map<string, C>()
  #dropped = 0

  constructor (max: number, create: () => C) {
    this.max = max
    this.#create = create
  }

  get dropped (): number {
    return this.#dropped
  }

  get (key: string): Readonly<C> | undefined {
    return this.#counts.get(key)
  }

  /** Mutates: the live counters of `key`, created when it is new. */
  of (key: string): C {
    const existing = this.#counts.get(key)
    if (existing !== undefined) return existing
    const created = this.#create()
    this.#counts.set(key, created)
    if (this.#counts.size > this.max) {
      const oldest = this.#counts.keys().next()
      if (oldest.done !== true) this.#counts.delete(oldest.value)
      this.#dropped += 1
    }
    return created
  }

  /** A copy, as a plain object (keys in the order they first came). */
  snapshot (): Record<string, C> {
    return Object.fromEntries([...this.#counts].map(([key, counts]) => [key, { ...counts }]))
  }
}
