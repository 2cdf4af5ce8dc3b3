import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Event, StoreCounts, User } from './eventStore.js'
import { MemoryEventStore } from './memoryEventStore.js'
import type { MemoryEventStoreOptions } from './memoryEventStore.js'
import type { SharedStoreKeys, StoreScripts } from './sharedStoreScripts.js'
import { entryValue, eventOfEntry, streamStart } from './streamEntries.js'
import type { StreamEntry } from './streamEntries.js'

/** A generation as this instance holds it: its local index and the id of the last stream entry in it. */
export interface LoadedGeneration {
  readonly generation: string
  readonly index: MemoryEventStore
  readonly lastId: string
  readonly counts: StoreCounts
}

/** How long the keys of a generation being written live unless it is committed: an abandoned one expires. */
const pendingTtlMs = 10 * 60_000

/**
 * Writes and reads whole generations, in batches, on a connection of its own without the Redis
 * deadline (a batch may take longer), each call bounded by `timeoutMs` all the same.
 */
export class SharedGenerations {
  readonly #connection: Redis & StoreScripts
  readonly #keys: SharedStoreKeys
  readonly #batch: number
  readonly #timeoutMs: number
  readonly #indexOptions: MemoryEventStoreOptions

  constructor (options: { connection: Redis & StoreScripts, keys: SharedStoreKeys, batch: number, timeoutMs: number, indexOptions: MemoryEventStoreOptions }) {
    this.#connection = options.connection
    this.#keys = options.keys
    this.#batch = options.batch
    this.#timeoutMs = options.timeoutMs
    this.#indexOptions = options.indexOptions
  }

  /** Writes a snapshot as a new generation (users, then events in pipelined batches, then the generation key), indexing it as it goes. */
  async write (snapshot: { readonly users: readonly User[], readonly events: Iterable<Event> | AsyncIterable<Event> }): Promise<LoadedGeneration> {
    const generation = randomBytes(8).toString('hex')
    const usersKey = this.#keys.users(generation)
    const eventsKey = this.#keys.events(generation)
    const users = [...snapshot.users]
    for (let start = 0; start < users.length; start += this.#batch) {
      const values = users.slice(start, start + this.#batch).map((user) => JSON.stringify({ id: user.id, userName: user.userName, email: user.email }))
      await this.#call(() => this.#connection.multi().rpush(usersKey, ...values).pexpire(usersKey, pendingTtlMs).exec())
    }
    let lastId = streamStart
    let pending: Event[] = []
    const publish = async (): Promise<void> => {
      if (pending.length === 0) return
      const events = pending
      pending = []
      const replies = await this.#call(() => {
        const pipeline = this.#connection.pipeline()
        for (const event of events) pipeline.xadd(eventsKey, '*', 'e', entryValue(event))
        return pipeline.pexpire(eventsKey, pendingTtlMs).exec()
      })
      for (const [error, id] of replies ?? []) {
        if (error !== null) throw error
        if (typeof id === 'string' && id.includes('-')) lastId = id
      }
    }
    const batch = this.#batch
    async function * publishing (): AsyncGenerator<Event> {
      for await (const event of snapshot.events) {
        pending.push(event)
        yield event
        if (pending.length >= batch) await publish()
      }
      await publish()
    }
    const index = new MemoryEventStore(this.#indexOptions)
    const counts = await index.load({ users, events: publishing() })
    await this.#call(() => this.#connection.gwStoreCommit(this.#keys.generation, usersKey, eventsKey, generation, this.#keys.users(''), this.#keys.events('')))
    return { generation, index, lastId, counts }
  }

  /** Reads a committed generation into a new index: the users, then the stream in batches. */
  async read (generation: string): Promise<LoadedGeneration> {
    const usersKey = this.#keys.users(generation)
    const eventsKey = this.#keys.events(generation)
    const users: User[] = []
    for (let start = 0; ; start += this.#batch) {
      const values = await this.#call(() => this.#connection.lrange(usersKey, start, start + this.#batch - 1))
      for (const value of values) users.push(JSON.parse(value) as User)
      if (values.length < this.#batch) break
    }
    let lastId = streamStart
    const batch = this.#batch
    const entriesAfter = (after: string): Promise<StreamEntry[]> => this.#call(() => this.#connection.xrange(eventsKey, `(${after}`, '+', 'COUNT', batch))
    async function * events (): AsyncGenerator<Event> {
      for (;;) {
        const entries = await entriesAfter(lastId)
        for (const entry of entries) {
          const event = eventOfEntry(entry)
          if (event !== undefined) yield event
          lastId = entry[0]
        }
        if (entries.length < batch) return
      }
    }
    const index = new MemoryEventStore(this.#indexOptions)
    const counts = await index.load({ users, events: events() })
    return { generation, index, lastId, counts }
  }

  close (): void {
    this.#connection.disconnect()
  }

  async #call<T> (call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`a bulk Redis call took more than ${this.#timeoutMs} ms`)) }, this.#timeoutMs)
    })
    try {
      if (this.#connection.status !== 'ready') await this.#ready(deadline)
      return await Promise.race([call(), deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Resolves once the connection is up (it connects lazily, and reconnects by itself). */
  #ready (deadline: Promise<never>): Promise<void> {
    if (this.#connection.status === 'wait') void this.#connection.connect().catch(() => undefined)
    let ready: () => void = () => undefined
    const connected = new Promise<void>((resolve) => { ready = resolve })
    this.#connection.once('ready', ready)
    return Promise.race([connected, deadline]).finally(() => { this.#connection.off('ready', ready) })
  }
}
