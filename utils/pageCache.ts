/**
 * Serialised pages of append-only lists, bounded by total characters (least recently used go first).
 * A page that had a next page never changes, since lists only grow at the end; the last page is
 * valid only while its list has the length it was built at. No timers: validity is checked on read.
 */
export class PageCache {
  readonly #maxChars: number
  readonly #entries = new Map<string, { readonly json: string, readonly listLength: number, readonly full: boolean }>()
  #chars = 0

  /** @param maxChars most characters of JSON held in all; a page larger than a quarter of it is never cached. */
  constructor (maxChars: number) {
    this.#maxChars = maxChars
  }

  get (key: string, listLength: number): string | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (!entry.full && entry.listLength !== listLength) {
      this.#delete(key, entry.json)
      return undefined
    }
    // Touch: Map order is the recency order.
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry.json
  }

  /** `full`: the page had a next page when built, so it stays valid however the list grows. */
  set (key: string, json: string, listLength: number, full: boolean): void {
    if (json.length > this.#maxChars / 4) return
    const old = this.#entries.get(key)
    if (old !== undefined) this.#delete(key, old.json)
    this.#entries.set(key, { json, listLength, full })
    this.#chars += json.length
    for (const [oldest, entry] of this.#entries) {
      if (this.#chars <= this.#maxChars) break
      this.#delete(oldest, entry.json)
    }
  }

  clear (): void {
    this.#entries.clear()
    this.#chars = 0
  }

  /** Characters held, for tests and metrics. */
  get size (): number {
    return this.#chars
  }

  #delete (key: string, json: string): void {
    this.#entries.delete(key)
    this.#chars -= json.length
  }
}
