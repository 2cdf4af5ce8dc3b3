import { withoutStack } from './withoutStack.js'

/** Every slot and every queue place is taken: the call was not started. */
export class BulkheadFullError extends Error {
  /** Milliseconds after which a retry may find room. */
  readonly retryAfterMs: number

  constructor (retryAfterMs: number) {
    super('Every slot and every queue place of the bulkhead is taken')
    this.name = 'BulkheadFullError'
    this.retryAfterMs = retryAfterMs
  }
}

export interface BulkheadOptions {
  /** Calls allowed to run at once; a positive integer. */
  readonly maxConcurrent: number
  /** Calls allowed to wait for a slot, first come first served; a non-negative integer. */
  readonly maxQueue: number
  /** `Retry-After` carried by BulkheadFullError, in milliseconds; default 1000. */
  readonly retryAfterMs?: number
}

/**
 * Caps how much work waits on one upstream at a time, so a slow upstream costs a bounded number
 * of sockets and pending requests instead of all of them. A call starts at once when a slot is
 * free, waits in a bounded FIFO otherwise, and is refused when that is full too. No timers: a
 * queued call waits as long as the calls ahead of it run, so give those calls a timeout.
 */
export class Bulkhead {
  readonly maxConcurrent: number
  readonly maxQueue: number
  readonly #retryAfterMs: number
  // Starters of the waiting calls, oldest first; never longer than maxQueue.
  readonly #queue: (() => void)[] = []
  #active = 0

  constructor (options: BulkheadOptions) {
    const { maxConcurrent, maxQueue, retryAfterMs = 1000 } = options
    if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`bulkhead.maxConcurrent must be a positive integer, got ${String(maxConcurrent)}`)
    }
    if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) {
      throw new RangeError(`bulkhead.maxQueue must be a non-negative integer, got ${String(maxQueue)}`)
    }
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
      throw new RangeError(`bulkhead.retryAfterMs must be a non-negative number (ms), got ${String(retryAfterMs)}`)
    }
    this.maxConcurrent = maxConcurrent
    this.maxQueue = maxQueue
    this.#retryAfterMs = retryAfterMs
  }

  /** Calls running now. */
  get active (): number {
    return this.#active
  }

  /** Calls waiting for a slot. */
  get queued (): number {
    return this.#queue.length
  }

  /** Runs `fn` when a slot is free; rejects with BulkheadFullError, without calling it, when none is and the queue is full. */
  run<T> (fn: () => Promise<T>): Promise<T> {
    if (this.#active < this.maxConcurrent) return this.#start(fn)
    if (this.#queue.length >= this.maxQueue) return Promise.reject(withoutStack(() => new BulkheadFullError(this.#retryAfterMs)))
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(() => { this.#start(fn).then(resolve, reject) })
    })
  }

  #start<T> (fn: () => Promise<T>): Promise<T> {
    this.#active += 1
    // The async wrapper turns a synchronous throw into a rejection, so it frees the slot too.
    const running = (async () => fn())()
    return running.finally(() => { this.#release() })
  }

  #release (): void {
    this.#active -= 1
    // The freed slot goes straight to the oldest waiter, so a newcomer cannot overtake the queue.
    this.#queue.shift()?.()
  }
}
