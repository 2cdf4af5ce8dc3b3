interface Entry {
  readonly key: string
  readonly json: string
  readonly listLength: number
  readonly full: boolean
  /** Neighbours in recency order: `newer` is towards the most recently used end. */
  newer: Entry | undefined
  older: Entry | undefined
}

/**
 * Serialised pages of append-only lists, bounded by total characters (least recently used go first).
 * A page that had a next page never changes, since lists only grow at the end; the last page is
 * valid only while its list has the length it was built at. No timers: validity is checked on read.
 *
 * Recency is a list threaded through the entries, not the Map's insertion order: touching an entry
 * by deleting and re-inserting its key makes a long-lived Map rebuild its table every few touches,
 * in the old generation where the Map lives, so every read would leave garbage only a full
 * collection reclaims. A hit here moves two pointers and allocates nothing.
 */
export class PageCache {
  readonly #maxChars: number
  readonly #entries = new Map<string, Entry>()
  #newest: Entry | undefined
  #oldest: Entry | undefined
  #chars = 0

  /** @param maxChars most characters of JSON held in all; a page larger than a quarter of it is never cached. */
  constructor (maxChars: number) {
    this.#maxChars = maxChars
  }

  get (key: string, listLength: number): string | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (!entry.full && entry.listLength !== listLength) {
      this.#delete(entry)
      return undefined
    }
    if (entry !== this.#newest) {
      this.#unlink(entry)
      this.#append(entry)
    }
    return entry.json
  }

  /** `full`: the page had a next page when built, so it stays valid however the list grows. */
  set (key: string, json: string, listLength: number, full: boolean): void {
    if (json.length > this.#maxChars / 4) return
    const old = this.#entries.get(key)
    if (old !== undefined) this.#delete(old)
    const entry: Entry = { key, json, listLength, full, newer: undefined, older: undefined }
    this.#entries.set(key, entry)
    this.#append(entry)
    this.#chars += json.length
    while (this.#chars > this.#maxChars && this.#oldest !== undefined) this.#delete(this.#oldest)
  }

  clear (): void {
    this.#entries.clear()
    this.#newest = undefined
    this.#oldest = undefined
    this.#chars = 0
  }

  /** Characters held, for tests and metrics. */
  get size (): number {
    return this.#chars
  }

  #append (entry: Entry): void {
    entry.older = this.#newest
    entry.newer = undefined
    if (this.#newest === undefined) this.#oldest = entry
    else this.#newest.newer = entry
    this.#newest = entry
  }

  #unlink (entry: Entry): void {
    if (entry.older === undefined) this.#oldest = entry.newer
    else entry.older.newer = entry.newer
    if (entry.newer === undefined) this.#newest = entry.older
    else entry.newer.older = entry.older
    entry.newer = undefined
    entry.older = undefined
  }

  #delete (entry: Entry): void {
    this.#unlink(entry)
    this.#entries.delete(entry.key)
    this.#chars -= entry.json.length
  }
}
