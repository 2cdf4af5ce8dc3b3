import { setTimeout as sleepFor } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { coalescedCall } from '../../../utils/coalescedCall.js'
import type { SharedRedis } from '../../cluster/index.js'
import { EventOutbox } from './eventOutbox.js'
import { HydrationLock } from './hydrationLock.js'
import type { Event, EventStore, JsonPage, Page, PageRequest, ReadConsistency, StoreCounts, User, UserWithEvents } from './eventStore.js'
import { MemoryEventStore } from './memoryEventStore.js'
import type { MemoryEventStoreOptions } from './memoryEventStore.js'
import { SharedGenerations } from './sharedGenerations.js'
import type { LoadedGeneration } from './sharedGenerations.js'
import { sharedStoreKeys, withStoreScripts } from './sharedStoreScripts.js'
import type { SharedStoreKeys, StoreScripts } from './sharedStoreScripts.js'
import { compareStreamIds, entryValue, eventOfEntry, streamIdTime, streamStart } from './streamEntries.js'
import type { StreamEntry } from './streamEntries.js'

export interface SharedEventStoreOptions {
  readonly redis: SharedRedis
  readonly logger: FastifyBaseLogger
  /** Options of the local index (a MemoryEventStore). */
  readonly index?: MemoryEventStoreOptions
  /** Most events kept for publishing while Redis is away (default 50 000). */
  readonly outboxCap?: number
  /** Entries per call when the stream is written or read in bulk (default 5000). */
  readonly batch?: number
  /** Longest wait of one bulk call (loading, hydrating), in milliseconds (default the larger of 5 s and 20 Redis deadlines). */
  readonly bulkTimeoutMs?: number
  /** Longest XREAD BLOCK of the tail, in milliseconds; an idle tail checks the generation this often (default 1000). */
  readonly tailBlockMs?: number
  /** How long a read waits for the tail before fetching what it misses itself, in milliseconds (default the Redis deadline). */
  readonly tailWaitMs?: number
  /** Run the tail loop (default true); without it, reads catch up on their own (tests of a tail that is behind). */
  readonly tail?: boolean
}

/** What the store counts, for /metrics. */
export interface SharedStoreStats {
  readonly staleReads: number
  readonly outboxSize: number
  readonly outboxDropped: number
  /** Milliseconds between the newest entry seen in the stream and the newest applied here. */
  readonly streamLagMs: number
  /** Local indexes rebuilt from the shared state (another instance's hydration, or a generation change). */
  readonly reloads: number
}

interface Position {
  /** The generation this instance held when it asked. */
  readonly asked: string
  readonly generation: string
  readonly lastId: string
}

/** A shared generation that went away or changed; `undefined` when Redis holds none (restarted empty). */
export type GenerationListener = (current: string | undefined) => void

const appendReplyCount = 1000

/**
 * The store of many instances: each keeps a MemoryEventStore as its local index and serves every
 * read from it, so reads cost what they cost in one process. Accepted events go to one Redis
 * stream; a tail loop applies everyone's entries to the local index. `sync()` makes a read see
 * every event acknowledged anywhere before it: it asks Redis for the stream's last id (one check in
 * flight at a time, plus one queued for all the reads that arrived meanwhile) and waits until the
 * index has applied it. Users and events of one hydration form a generation; the current one is
 * named by a key, and its absence means Redis lost them.
 */
export class SharedEventStore implements EventStore {
  readonly #logger: FastifyBaseLogger
  readonly #keys: SharedStoreKeys
  readonly #client: Redis & StoreScripts
  readonly #generations: SharedGenerations
  readonly #tail: Redis | undefined
  readonly #outbox: EventOutbox
  readonly #batch: number
  readonly #tailBlockMs: number
  readonly #tailWaitMs: number
  readonly #closing = new AbortController()
  readonly #generationListeners = new Set<GenerationListener>()
  readonly #waiters = new Map<string, { readonly promise: Promise<void>, readonly resolve: () => void }>()
  readonly #checkPosition: () => Promise<Position>
  #index: MemoryEventStore
  #generation: string | undefined
  #applied = streamStart
  #latestSeen = streamStart
  /** Changes whenever the index is replaced, so a tail read sent for an older index is dropped. */
  #epoch = 0
  #tailClientId: number | undefined
  #wakeTail: () => void = () => undefined
  #loading: Event[] | undefined
  #following: Promise<void> | undefined
  #flushing = false
  #staleReads = 0
  #reloads = 0
  #unsubscribe: () => void

  constructor (options: SharedEventStoreOptions) {
    this.#logger = options.logger
    this.#keys = sharedStoreKeys(options.redis)
    this.#client = withStoreScripts(options.redis.client)
    this.#tail = options.tail === false ? undefined : options.redis.blocking()
    this.#index = new MemoryEventStore(options.index)
    this.#outbox = new EventOutbox(options.outboxCap ?? 50_000)
    this.#batch = options.batch ?? 5000
    this.#generations = new SharedGenerations({
      connection: withStoreScripts(options.redis.blocking()),
      keys: this.#keys,
      batch: this.#batch,
      timeoutMs: options.bulkTimeoutMs ?? Math.max(5000, options.redis.timeoutMs * 20),
      indexOptions: options.index ?? {}
    })
    this.#tailBlockMs = options.tailBlockMs ?? 1000
    this.#tailWaitMs = options.tailWaitMs ?? options.redis.timeoutMs
    this.#checkPosition = coalescedCall(() => this.#position())
    this.#unsubscribe = options.redis.onReady(() => {
      // A reconnection: the shared state may be gone (Redis restarted empty), and the outbox can go out.
      void this.checkGeneration()
      void this.#flushOutbox()
    })
    if (this.#tail !== undefined) void this.#runTail(this.#tail)
  }

  /** The generation the local index holds; undefined before the first load or follow. */
  get generation (): string | undefined {
    return this.#generation
  }

  get stats (): SharedStoreStats {
    return {
      staleReads: this.#staleReads,
      outboxSize: this.#outbox.size,
      outboxDropped: this.#outbox.dropped,
      streamLagMs: Math.max(0, streamIdTime(this.#latestSeen) - streamIdTime(this.#applied)),
      reloads: this.#reloads
    }
  }

  /** Called when the shared generation is seen gone or changed; the hydrator rebuilds or reloads. */
  onGenerationChange (listener: GenerationListener): () => void {
    this.#generationListeners.add(listener)
    return () => this.#generationListeners.delete(listener)
  }

  /**
   * Writes a snapshot of event.com as a new generation (users, then events in pipelined batches,
   * then the generation key), and makes it this instance's index. Mutates.
   */
  async load (snapshot: { readonly users: readonly User[], readonly events: Iterable<Event> | AsyncIterable<Event> }): Promise<StoreCounts> {
    const since: Event[] = []
    this.#loading = since
    try {
      const loaded = await this.#generations.write(snapshot)
      this.#swap(loaded)
      this.#logger.info({ generation: loaded.generation, ...loaded.counts, lastId: loaded.lastId }, 'shared store: wrote a new generation')
      // Writes accepted while the snapshot was taken may be missing from it: they go out again.
      for (const event of since) this.#keepLocally(event)
      void this.#flushOutbox()
      return await loaded.index.counts()
    } finally {
      this.#loading = undefined
    }
  }

  /** The generation Redis holds now, or undefined when it holds none. Rejects when Redis does not answer. */
  async sharedGeneration (): Promise<string | undefined> {
    const generation = await this.#client.get(this.#keys.generation)
    return generation ?? undefined
  }

  /**
   * Rebuilds the local index from the shared generation (users, then the stream in batches), then
   * tails from where it ended. Concurrent calls share one reload.
   */
  follow (generation: string): Promise<void> {
    this.#following ??= this.#reload(generation).finally(() => { this.#following = undefined })
    return this.#following
  }

  /**
   * Waits until the local index holds every event whose write was acknowledged, on any instance,
   * before the call; 'stale' when that could not be made sure (Redis slow or away, shared state
   * being rebuilt): the index then answers as it is. Never waits much longer than the Redis deadline.
   */
  sync (): Promise<ReadConsistency> {
    // Written with then() rather than await: it runs once per read, and every await costs.
    return this.#checkPosition().then((position) => position.asked === this.#generation
      ? this.#consistencyAt(position)
      // The index was replaced while the check was out: ask again, for the index now held.
      : this.#checkPosition().then((again) => this.#consistencyAt(again)))
      .catch(() => this.#stale())
  }

  #consistencyAt (position: Position): ReadConsistency | Promise<ReadConsistency> {
    if (position.generation !== this.#generation) {
      this.#generationChanged(position.generation === '' ? undefined : position.generation)
      return this.#stale()
    }
    if (position.lastId === '' || compareStreamIds(this.#applied, position.lastId) >= 0) return 'fresh'
    if (compareStreamIds(position.lastId, this.#latestSeen) > 0) this.#latestSeen = position.lastId
    return this.#reach(position.generation, position.lastId).then((reached) => reached ? 'fresh' : this.#stale())
  }

  /**
   * Appends an event event.com accepted: to the shared stream, then to the local index at once.
   * When Redis cannot take it, the index takes it and the outbox keeps it until Redis can. Mutates.
   */
  async addEvent (event: Event): Promise<void> {
    const generation = this.#generation
    if (generation === undefined) {
      this.#keepLocally(event)
      return
    }
    let reply: Awaited<ReturnType<StoreScripts['gwStoreAppend']>>
    try {
      reply = await this.#client.gwStoreAppend(this.#keys.generation, this.#keys.events(generation), generation, entryValue(event), this.#applied, appendReplyCount)
    } catch (error) {
      // Logged once per outage, not once per write.
      if (this.#outbox.size === 0) this.#logger.warn({ err: error }, 'shared store: accepted events cannot be published to Redis; keeping them in the outbox')
      this.#keepLocally(event)
      return
    }
    if (reply[0] === 0) {
      this.#keepLocally(event)
      this.#generationChanged(reply[1] === '' ? undefined : reply[1])
      return
    }
    // A load in progress replaces this generation: the event goes out again after it (the outbox keeps the others).
    this.#loading?.push(event)
    if (generation === this.#generation) this.#apply(reply[2])
    // The reply was cut short (the index far behind), or the index was replaced meanwhile: apply it out of order.
    if (this.#generation !== generation) {
      this.#keepLocally(event)
    } else {
      await this.#index.addEvent(event)
    }
  }

  hasUser (userId: string): Promise<boolean> {
    return this.#index.hasUser(userId)
  }

  getUser (userId: string): Promise<User | undefined> {
    return this.#index.getUser(userId)
  }

  listUsers (): Promise<readonly UserWithEvents[]> {
    return this.#index.listUsers()
  }

  listEvents (page: PageRequest): Promise<Page<Event>> {
    return this.#index.listEvents(page)
  }

  listEventsJson (page: PageRequest): Promise<JsonPage> {
    return this.#index.listEventsJson(page)
  }

  listEventsByUser (userId: string, page: PageRequest): Promise<Page<Event> | undefined> {
    return this.#index.listEventsByUser(userId, page)
  }

  listEventsByUserJson (userId: string, page: PageRequest): Promise<JsonPage | undefined> {
    return this.#index.listEventsByUserJson(userId, page)
  }

  listEventsByUserJsonNow (userId: string, page: PageRequest): JsonPage | undefined {
    return this.#index.listEventsByUserJsonNow(userId, page)
  }

  counts (): Promise<StoreCounts> {
    return this.#index.counts()
  }

  /** Asks Redis whether the generation held here is still the shared one, and reports a change. */
  async checkGeneration (): Promise<void> {
    const current = await this.sharedGeneration().catch(() => null)
    if (current !== null) this.#generationChanged(current)
  }

  /** The lock that lets one instance at a time hydrate the shared store from event.com. */
  hydrationLock (ttlMs: number): HydrationLock {
    return new HydrationLock(this.#client, this.#keys.lock, ttlMs)
  }

  /** Events accepted here that the shared stream does not hold yet, oldest first. */
  outboxEvents (): readonly Event[] {
    return this.#outbox.list()
  }

  /** Publishes the outbox, oldest first, until it is empty or Redis refuses. */
  async #flushOutbox (): Promise<void> {
    if (this.#flushing) return
    this.#flushing = true
    let published = 0
    try {
      for (let event = this.#outbox.peek(); event !== undefined; event = this.#outbox.peek()) {
        const generation = this.#generation
        if (generation === undefined) return
        const reply = await this.#client.gwStoreAppend(this.#keys.generation, this.#keys.events(generation), generation, entryValue(event), this.#applied, appendReplyCount)
        if (reply[0] === 0) {
          this.#generationChanged(reply[1] === '' ? undefined : reply[1])
          return
        }
        if (generation === this.#generation) this.#apply(reply[2])
        this.#outbox.shift()
        published++
      }
    } catch {
      // Redis is still away: the next reconnection or tail round tries again.
    } finally {
      this.#flushing = false
      if (published > 0) this.#logger.info({ published, left: this.#outbox.size }, 'shared store: published events from the outbox')
    }
  }

  #keepLocally (event: Event): void {
    void this.#index.addEvent(event)
    if (this.#outbox.push(event)) {
      this.#logger.warn({ cap: this.#outbox.cap, dropped: this.#outbox.dropped }, 'shared store: outbox full; dropped its oldest event (event.com holds it; the next rehydration brings it back)')
    }
  }

  #stale (): ReadConsistency {
    this.#staleReads++
    return 'stale'
  }

  /** Another generation is shared: load it. None is: the hydrator rebuilds it (one instance from event.com, the others wait and load). */
  #generationChanged (current: string | undefined): void {
    // A load in progress is about to make its own generation current.
    if (current === this.#generation || this.#loading !== undefined) return
    if (current !== undefined) {
      void this.follow(current).catch((error: unknown) => { this.#logger.warn({ err: error, generation: current }, 'shared store: loading the shared generation failed; retrying at the next check') })
    }
    for (const listener of this.#generationListeners) listener(current)
  }

  async #position (): Promise<Position> {
    const asked = this.#generation ?? ''
    const [generation, lastId] = await this.#client.gwStorePosition(this.#keys.generation, this.#keys.events(asked), asked)
    return { asked, generation, lastId }
  }

  /** Resolves true once the index has applied `target`: the tail's doing, or after `tailWaitMs` the read's own XRANGE. */
  async #reach (generation: string, target: string): Promise<boolean> {
    if (compareStreamIds(this.#applied, target) >= 0) return true
    if (this.#tail !== undefined) {
      let waiter = this.#waiters.get(target)
      if (waiter === undefined) {
        let resolve: () => void = () => undefined
        const promise = new Promise<void>((done) => { resolve = done })
        waiter = { promise, resolve }
        this.#waiters.set(target, waiter)
      }
      let timer: NodeJS.Timeout | undefined
      await Promise.race([waiter.promise, new Promise((resolve) => { timer = setTimeout(resolve, this.#tailWaitMs) })])
      clearTimeout(timer)
      if (compareStreamIds(this.#applied, target) >= 0) return true
    }
    try {
      for (let round = 0; round < 10 && generation === this.#generation && compareStreamIds(this.#applied, target) < 0; round++) {
        const entries = await this.#client.xrange(this.#keys.events(generation), `(${this.#applied}`, target, 'COUNT', this.#batch) as StreamEntry[]
        if (generation !== this.#generation || entries.length === 0) break
        this.#apply(entries)
      }
    } catch {
      return false
    }
    return generation === this.#generation && compareStreamIds(this.#applied, target) >= 0
  }

  /** Applies entries past the index's position, in stream order; earlier ones are already in. */
  #apply (entries: readonly StreamEntry[]): void {
    for (const entry of entries) {
      if (compareStreamIds(entry[0], this.#applied) <= 0) continue
      const event = eventOfEntry(entry)
      if (event !== undefined) void this.#index.addEvent(event)
      this.#applied = entry[0]
    }
    if (compareStreamIds(this.#applied, this.#latestSeen) > 0) this.#latestSeen = this.#applied
    for (const [target, waiter] of this.#waiters) {
      if (compareStreamIds(this.#applied, target) < 0) continue
      this.#waiters.delete(target)
      waiter.resolve()
    }
  }

  #swap ({ index, generation, lastId }: LoadedGeneration): void {
    this.#index = index
    this.#generation = generation
    this.#applied = lastId
    this.#latestSeen = lastId
    this.#epoch++
    // Reads waiting on the old stream answer now (stale or not, as their check says).
    for (const waiter of this.#waiters.values()) waiter.resolve()
    this.#waiters.clear()
    // Events not yet shared stay visible here.
    for (const event of this.#outbox.list()) void index.addEvent(event)
    this.#wakeTail()
    if (this.#tailClientId !== undefined) void this.#client.call('CLIENT', 'UNBLOCK', String(this.#tailClientId)).catch(() => undefined)
  }

  async #reload (generation: string): Promise<void> {
    const epoch = this.#epoch
    const loaded = await this.#generations.read(generation)
    // A load here made a newer generation current meanwhile: this one is out of date.
    if (epoch !== this.#epoch) return
    this.#swap(loaded)
    this.#reloads++
    this.#logger.info({ generation, ...loaded.counts, lastId: loaded.lastId }, 'shared store: loaded the shared generation')
    void this.#flushOutbox()
  }

  async #runTail (connection: Redis): Promise<void> {
    const signal = this.#closing.signal
    const closed = (): boolean => signal.aborted
    await connection.connect().catch(() => undefined)
    let failures = 0
    while (!signal.aborted) {
      const generation = this.#generation
      const epoch = this.#epoch
      const after = this.#applied
      if (generation === undefined) {
        await new Promise<void>((resolve) => { this.#wakeTail = resolve; signal.addEventListener('abort', () => { resolve() }, { once: true }) })
        continue
      }
      try {
        this.#tailClientId ??= await connection.client('ID')
        const reply = await connection.xread('COUNT', this.#batch, 'BLOCK', this.#tailBlockMs, 'STREAMS', this.#keys.events(generation), after)
        failures = 0
        if (epoch !== this.#epoch) continue
        const entries = reply?.[0]?.[1] ?? []
        if (entries.length > 0) this.#apply(entries)
        else await this.checkGeneration()
        if (this.#outbox.size > 0) await this.#flushOutbox()
      } catch {
        this.#tailClientId = undefined
        if (closed()) return
        // Redis away: try again soon, from where the tail stood; the connection reconnects by itself.
        await sleepFor(Math.min(50 * 2 ** Math.min(failures++, 5), 1000), undefined, { signal }).catch(() => undefined)
      }
    }
  }

  /** Stops the tail; the connections close with the SharedRedis. */
  close (): void {
    this.#closing.abort()
    this.#unsubscribe()
    this.#tail?.disconnect()
    this.#generations.close()
  }
}
