import type { Clock } from './clock.js'

export interface OutageReportOptions {
  readonly clock: Clock
  /** At most one report per this span while the failures go on, in milliseconds. */
  readonly intervalMs: number
  /** The first failure after a success (or ever), and then one per interval: `failures` counts those since the last report, this one included. */
  readonly onFailing: (error: unknown, failures: number) => void
  /** The first success after failures; `failures` counts them all. */
  readonly onRecovered: (failures: number) => void
}

/**
 * Turns a stream of call outcomes into a few reports: when a dependency starts failing, at most
 * once per interval while it goes on, and when it is back. For logs that must not say the same
 * thing once per request.
 */
export class OutageReport {
  readonly #options: OutageReportOptions
  #failing = false
  #reportedAt = 0
  #sinceReport = 0
  #total = 0

  constructor (options: OutageReportOptions) {
    this.#options = options
  }

  failed (error: unknown): void {
    const now = this.#options.clock()
    this.#sinceReport += 1
    this.#total += 1
    if (this.#failing && now - this.#reportedAt < this.#options.intervalMs) return
    this.#failing = true
    this.#reportedAt = now
    const failures = this.#sinceReport
    this.#sinceReport = 0
    this.#options.onFailing(error, failures)
  }

  succeeded (): void {
    if (!this.#failing) return
    const failures = this.#total
    this.#failing = false
    this.#sinceReport = 0
    this.#total = 0
    this.#options.onRecovered(failures)
  }
}
