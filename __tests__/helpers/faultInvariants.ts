import { expect, onTestFinished } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../services/app.js'
import { MemoryIdempotencyKeys } from '../../services/gateway/idempotency/memoryIdempotencyKeys.js'
import type { Sleep } from '../../services/gateway/store/hydrator.js'
import { startMockEventService } from '../../mocks/bridge.js'
import type { MockEventService, MockEventServiceOptions } from '../../mocks/bridge.js'
import { createManualClock } from '../../utils/clock.js'
import { errorDefinitions, writeOutcome } from '../../services/http/errors.js'
import type { ErrorCode, Outcome } from '../../services/http/errors.js'
import { buildMockedApp, createManualTimeouts } from './mockedApp.js'
import type { MockedApp } from './mockedApp.js'
import { addEvent } from './testApp.js'
import { testConfig, withConfig } from './testConfig.js'
import type { ConfigOverrides } from './testConfig.js'

/** What one POST /addEvent got back. */
export interface Attempt {
  readonly status: number
  /** The event id of a 2xx. */
  readonly id?: string
  readonly code?: ErrorCode
  readonly outcome?: Outcome
  readonly retryAfter?: string
  readonly replayed: boolean
}

/** One logical write: the same body, sent until it is acknowledged or its attempts run out. */
export interface Write {
  /** Unique per write, so that event.com's copy can be found by name even when no id came back. */
  readonly name: string
  readonly userId: string
  readonly key: string | undefined
  readonly attempts: Attempt[]
}

export interface LoadOptions {
  /** Prefix of every event name, unique per test. */
  readonly label: string
  /** Writers running concurrently. */
  readonly writers: number
  /** Writes each writer makes, one after the other; default 1. */
  readonly writesPerWriter?: number
  /** Attempts per write, the first included. */
  readonly maxAttempts: number
  /** Every n-th writer sends an Idempotency-Key; default 2 (half of them). */
  readonly keyEvery?: number
  /**
   * Copies of each keyed attempt sent at once, like a client that gave up waiting and retried while its
   * first request was still running; default 1.
   */
  readonly keyedCopies?: number
}

const retryableWithKey = new Set([409, 502, 503, 504])

/**
 * A client's retry policy: with a key every 409/502/503/504 may be retried, since the gateway reuses the
 * event id; without one, only a request that certainly stored nothing may be sent again.
 */
function shouldRetry (write: Write, attempt: Attempt): boolean {
  if (attempt.status < 300) return false
  if (write.key !== undefined) return retryableWithKey.has(attempt.status)
  return (attempt.status === 502 || attempt.status === 503) &&
    (attempt.outcome === 'not-forwarded' || attempt.outcome === 'upstream-failed')
}

function toAttempt (response: LightMyRequestResponse): Attempt {
  const replayed = response.headers['idempotent-replayed'] === 'true'
  const retryAfter = response.headers['retry-after']
  const base = { status: response.statusCode, replayed, ...(typeof retryAfter === 'string' && { retryAfter }) }
  if (response.statusCode < 300) return { ...base, id: response.json<{ id: string }>().id }
  const problem = response.json<{ code: ErrorCode, outcome: Outcome }>()
  return { ...base, code: problem.code, outcome: problem.outcome }
}

/**
 * Concurrent writers against one gateway. Between two attempts a writer parks until `tick()`, so the
 * test decides what happens between rounds (move the clock, change the scenario, fire timeouts)
 * instead of anything waiting on real time.
 */
/** The app's Idempotency-Keys, which these checks read as they change: the in-process registry. */
function memoryKeysOf (app: FastifyInstance): MemoryIdempotencyKeys {
  const keys = app.idempotencyKeys
  if (!(keys instanceof MemoryIdempotencyKeys)) throw new TypeError('the fault checks read the in-process Idempotency-Keys')
  return keys
}

export class WriteLoad {
  readonly writes: Write[] = []
  /** Most writes seen in the bulkhead (running + queued) and most Idempotency-Keys remembered, sampled while waiting. */
  readonly peak = { bulkhead: 0, keys: 0 }
  readonly done: Promise<void>
  readonly #app: FastifyInstance
  #sending = 0
  #running = 0
  #parked: (() => void)[] = []

  constructor (app: FastifyInstance, options: LoadOptions) {
    this.#app = app
    const writers = Array.from({ length: options.writers }, (_, index) => this.#writer(index, options))
    this.done = Promise.all(writers).then(() => undefined)
  }

  /** Attempts on their way now. */
  get sending (): number {
    return this.#sending
  }

  get finished (): boolean {
    return this.#running === 0
  }

  /** Lets every parked writer send its next attempt. */
  tick (): void {
    const parked = this.#parked
    this.#parked = []
    for (const resume of parked) resume()
  }

  sample (): void {
    const bulkhead = this.#app.writeBulkhead
    this.peak.bulkhead = Math.max(this.peak.bulkhead, bulkhead.active + bulkhead.queued)
    this.peak.keys = Math.max(this.peak.keys, memoryKeysOf(this.#app).size)
  }

  async #writer (index: number, options: LoadOptions): Promise<void> {
    this.#running += 1
    try {
      const keyed = index % (options.keyEvery ?? 2) === 0
      for (let n = 0; n < (options.writesPerWriter ?? 1); n++) {
        const write: Write = {
          name: `${options.label}-w${index}-${n}`,
          userId: String(1 + (index % 3)),
          key: keyed ? `${options.label}-k${index}-${n}` : undefined,
          attempts: []
        }
        this.writes.push(write)
        const headers = write.key === undefined ? {} : { 'idempotency-key': write.key }
        const copies = write.key === undefined ? 1 : options.keyedCopies ?? 1
        for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
          this.#sending += copies
          const results = await Promise.all(Array.from({ length: copies }, async () => {
            try {
              return toAttempt(await addEvent(this.#app, { name: write.name, userId: write.userId }, headers))
            } finally {
              this.#sending -= 1
            }
          }))
          this.sample()
          write.attempts.push(...results)
          const acknowledged = results.some((result) => result.status < 300)
          if (acknowledged || !results.some((result) => shouldRetry(write, result)) || attempt === options.maxAttempts) break
          await new Promise<void>((resolve) => { this.#parked.push(resolve) })
        }
      }
    } finally {
      this.#running -= 1
    }
  }
}

/**
 * Checks `condition` after each turn of the event loop (never before the first, so that whatever the
 * caller just set off has settled). The deadline only turns a hang into a readable failure; nothing
 * waits for it to pass.
 */
export async function until (condition: () => boolean, what: string, onPoll?: () => void): Promise<void> {
  const deadline = performance.now() + 5000
  do {
    if (performance.now() > deadline) throw new Error(`gave up waiting until ${what}`)
    onPoll?.()
    await new Promise<void>((resolve) => { setImmediate(resolve) })
  } while (!condition())
}

export interface DriveOptions {
  /** True when the attempts still on their way are stuck upstream, so the step must fire timeouts to free them. */
  readonly stuck?: () => boolean
  /** Default 40. */
  readonly maxRounds?: number
  /** Called on every turn of the event loop while writes are on their way: for faults that strike mid-round. */
  readonly meanwhile?: () => void
}

/**
 * Runs the load to its end: whenever every writer is parked (or stuck, see `stuck`), calls `step` with
 * the round number, then lets the parked writers retry. Resolves with the number of rounds.
 */
export async function drive (load: WriteLoad, step: (round: number) => void | Promise<void>, options: DriveOptions = {}): Promise<number> {
  const maxRounds = options.maxRounds ?? 40
  let round = 0
  for (;;) {
    await until(() => load.finished || load.sending === 0 || options.stuck?.() === true,
      'every writer is parked, finished or stuck upstream', () => { load.sample(); options.meanwhile?.() })
    if (load.finished) break
    if (round >= maxRounds) throw new Error(`the writers did not finish within ${maxRounds} rounds`)
    await step(round)
    round += 1
    load.tick()
  }
  await load.done
  return round
}

/**
 * Every attempt on its way is inside the write path, with its call to event.com received there (or
 * waiting for a bulkhead slot): with a hanging event.com nothing more happens until the timeouts fire.
 * Only meaningful while event.com hangs: a healthy call looks the same until it is answered.
 */
export function stuckUpstream (load: WriteLoad, { app, mock }: Pick<MockedApp, 'app' | 'mock'>): () => boolean {
  const bulkhead = app.writeBulkhead
  return () => load.sending > 0 && load.sending === bulkhead.active + bulkhead.queued && mock.inFlight >= bulkhead.active
}

export interface FaultSummary {
  readonly writes: number
  readonly acknowledged: number
  /** Writes never acknowledged, by the outcome of their last attempt. */
  readonly failed: Readonly<Record<Outcome, number>>
  /** Writes never acknowledged that event.com holds anyway: an outcome-unknown attempt landed. */
  readonly landedUnknown: number
  /** Attempts by status, or by code for problems. */
  readonly answers: Readonly<Record<string, number>>
}

export interface InvariantLimits {
  /** The configured idempotencyMaxKeys. */
  readonly maxKeys: number
}

interface EventView { readonly id: string, readonly name: string, readonly userId: string }

function duplicates (ids: readonly string[]): string[] {
  const seen = new Set<string>()
  return ids.filter((id) => seen.has(id) || !seen.add(id))
}

async function readJson<T> (app: FastifyInstance, url: string): Promise<T> {
  const response = await app.inject(url)
  expect(response.statusCode, `GET ${url}`).toBe(200)
  return response.json<T>()
}

/**
 * The promises the gateway makes, checked against what event.com holds and what the gateway reads back:
 * - every 2xx write is in event.com exactly once, under the acknowledged id, and in the reads exactly once;
 * - a write that was never acknowledged is not in the reads, and is in event.com only if one of its
 *   attempts had an unknown outcome (so every not-forwarded or upstream-failed answer stored nothing);
 *   event.com holds seed + acknowledged + landed-unknown events, no id twice, none it cannot account for;
 * - a write retried with one Idempotency-Key never lands twice, and replays its 2xx (when the key
 *   store can hold every key of the load);
 * - every problem's status and outcome match its code, no 500s, every 503/429/409 says when to retry;
 * - the process is alive (GET /health 200), the bulkhead is empty and stayed within its bounds, and no
 *   more than `maxKeys` Idempotency-Keys were ever remembered.
 */
export async function checkInvariants (context: {
  readonly app: FastifyInstance
  readonly mock: MockEventService
  readonly load: WriteLoad
  /** Ids event.com held before the load. */
  readonly seedIds: readonly string[]
  readonly limits: InvariantLimits
}): Promise<FaultSummary> {
  const { app, mock, load, seedIds, limits } = context
  const bulkhead = app.writeBulkhead
  const idempotency = memoryKeysOf(app)

  const health = await app.inject('/health')
  expect(health.statusCode).toBe(200)
  expect(bulkhead.active + bulkhead.queued, 'writes left in the bulkhead').toBe(0)
  expect(load.peak.bulkhead).toBeLessThanOrEqual(bulkhead.maxConcurrent + bulkhead.maxQueue)
  expect(idempotency.inFlight, 'keys left in flight').toBe(0)
  expect(Math.max(load.peak.keys, idempotency.size)).toBeLessThanOrEqual(limits.maxKeys)

  const upstream: EventView[] = mock.service.state.events.map((event) => ({ id: String(event.id), name: event.name, userId: String(event.userId) }))
  const upstreamIds = upstream.map((event) => event.id)
  expect(duplicates(upstreamIds), 'ids event.com holds twice').toEqual([])

  const reads = await readJson<EventView[]>(app, '/getEvents?limit=10000')
  const readIds = reads.map((event) => event.id)
  expect(duplicates(readIds), 'ids the gateway shows twice').toEqual([])
  expect(readIds.filter((id) => !upstreamIds.includes(id)), 'events shown that event.com does not hold').toEqual([])
  await checkUserViews(app, reads)

  const answers: Record<string, number> = {}
  const failed: Record<Outcome, number> = { 'not-forwarded': 0, 'upstream-failed': 0, 'outcome-unknown': 0 }
  let acknowledged = 0
  let landedUnknown = 0
  const landedIds: string[] = []
  for (const write of load.writes) {
    expect(write.attempts.length, `${write.name} was never sent`).toBeGreaterThan(0)
    for (const attempt of write.attempts) {
      checkAttempt(write, attempt)
      const label = attempt.code ?? String(attempt.status)
      answers[label] = (answers[label] ?? 0) + 1
    }
    const upstreamCopies = upstream.filter((event) => event.name === write.name)
    const readCopies = reads.filter((event) => event.name === write.name)
    const ackIds = [...new Set(write.attempts.flatMap((attempt) => attempt.id ?? []))]
    if (ackIds.length > 0) {
      acknowledged += 1
      expect(ackIds, `${write.name}: every 2xx names the same event`).toHaveLength(1)
      expect(upstreamCopies.map((event) => event.id), `${write.name}: acknowledged, in event.com once`).toEqual(ackIds)
      expect(readCopies.map((event) => event.id), `${write.name}: acknowledged, in the reads once`).toEqual(ackIds)
      continue
    }
    const last = write.attempts.at(-1)
    if (last?.outcome !== undefined) failed[last.outcome] += 1
    expect(readCopies, `${write.name}: never acknowledged, yet shown in the reads`).toEqual([])
    const mayHaveLanded = write.attempts.some((attempt) => attempt.outcome === 'outcome-unknown')
    expect(upstreamCopies.length, `${write.name}: copies in event.com`).toBeLessThanOrEqual(mayHaveLanded ? 1 : 0)
    if (upstreamCopies.length === 1) {
      landedUnknown += 1
      landedIds.push(...upstreamCopies.map((event) => event.id))
    }
  }

  const names = new Set(load.writes.map((write) => write.name))
  expect(upstream.filter((event) => !seedIds.includes(event.id) && !names.has(event.name)), 'events in event.com nobody wrote').toEqual([])
  expect(upstream).toHaveLength(seedIds.length + acknowledged + landedUnknown)
  // What the gateway shows is exactly event.com minus the writes whose answer was lost.
  expect([...readIds].sort()).toEqual(upstreamIds.filter((id) => !landedIds.includes(id)).sort())

  // With more keys than the store holds, the oldest are gone by design and a repeat is a new write.
  if (load.writes.filter((write) => write.key !== undefined).length <= limits.maxKeys) await checkReplays(app, load.writes)
  expect(mock.service.state.events, 'replays reached event.com').toHaveLength(upstream.length)
  return { writes: load.writes.length, acknowledged, failed, landedUnknown, answers }
}

/** Mid-load: whatever the gateway shows, event.com holds, and nothing is shown twice. */
export async function checkShownAreStored (app: FastifyInstance, mock: MockEventService): Promise<void> {
  const readIds = (await readJson<EventView[]>(app, '/getEvents?limit=10000')).map((event) => event.id)
  const stored = upstreamIds(mock)
  expect(duplicates(readIds), 'ids the gateway shows twice').toEqual([])
  expect(readIds.filter((id) => !stored.includes(id)), 'events shown that event.com does not hold').toEqual([])
}

function checkAttempt (write: Write, attempt: Attempt): void {
  if (attempt.status < 300) {
    expect(attempt.status, write.name).toBe(201)
    return
  }
  expect(attempt.code, `${write.name}: an error without a code`).toBeDefined()
  const code = attempt.code ?? 'GW_ERR_INTERNAL'
  expect(code, `${write.name}: the gateway failed internally`).not.toBe('GW_ERR_INTERNAL')
  // The writes are valid and name existing users: only the gateway's or event.com's state may refuse them.
  expect(attempt.status === 409 || attempt.status === 429 || attempt.status >= 502, `${write.name}: ${code}`).toBe(true)
  expect({ status: attempt.status, outcome: attempt.outcome }, `${write.name}: ${code}`).toEqual({
    status: errorDefinitions[code].status,
    outcome: writeOutcome(code)
  })
  if (attempt.status === 503 || attempt.status === 429 || attempt.status === 409) {
    expect(Number(attempt.retryAfter), `${write.name}: ${code} Retry-After`).toBeGreaterThanOrEqual(1)
  }
}

/** Each user's page and `events` list are that user's share of /getEvents, in the same order. */
async function checkUserViews (app: FastifyInstance, reads: readonly EventView[]): Promise<void> {
  const users = await readJson<{ id: string, events: string[] }[]>(app, '/getUsers')
  for (const user of users) {
    const expected = reads.filter((event) => event.userId === user.id).map((event) => event.id)
    const page = await readJson<EventView[]>(app, `/getEventsByUserId/${encodeURIComponent(user.id)}?limit=10000`)
    expect(page.map((event) => event.id), `user ${user.id}: /getEventsByUserId`).toEqual(expected)
    expect(user.events, `user ${user.id}: /getUsers events`).toEqual(expected)
  }
}

/** A keyed write that was acknowledged replays its 201 for one more try, without reaching event.com. */
async function checkReplays (app: FastifyInstance, writes: readonly Write[]): Promise<void> {
  for (const write of writes) {
    const ackId = write.attempts.find((attempt) => attempt.id !== undefined)?.id
    if (write.key === undefined || ackId === undefined) continue
    const again = toAttempt(await addEvent(app, { name: write.name, userId: write.userId }, { 'idempotency-key': write.key }))
    expect(again, `${write.name}: replay`).toEqual({ status: 201, id: ackId, replayed: true })
  }
}

/** event.com's event ids now, as strings. */
export function upstreamIds (mock: MockEventService): string[] {
  return mock.service.state.events.map((event) => String(event.id))
}

export interface FaultApp extends MockedApp {
  /** Checks the invariants after a load, against event.com's events from before it. */
  readonly check: (load: WriteLoad) => Promise<FaultSummary>
}

export interface FaultAppOptions {
  readonly mock?: MockEventServiceOptions
  readonly config?: ConfigOverrides
}

// getEventById answers at once: a keyed retry after an unknown outcome looks its event up first.
const faultMockDefaults: MockEventServiceOptions = { getEventByIdDelayMs: 0 }

function withCheck (mocked: MockedApp, options: FaultAppOptions): FaultApp {
  const seedIds = upstreamIds(mocked.mock)
  const limits = { maxKeys: options.config?.gateway?.idempotencyMaxKeys ?? testConfig.gateway.idempotencyMaxKeys }
  return { ...mocked, check: (load) => checkInvariants({ app: mocked.app, mock: mocked.mock, load, seedIds, limits }) }
}

/** buildMockedApp, hydrated, with event.com's lookups instant and an invariant check bound to it. */
export async function buildFaultApp (options: FaultAppOptions = {}): Promise<FaultApp> {
  const mocked = await buildMockedApp({ mock: { ...faultMockDefaults, ...options.mock }, ...(options.config && { config: options.config }) })
  return withCheck(mocked, options)
}

/** Hydration waits that end when the test says so. */
export interface HydrationGate {
  readonly sleep: Sleep
  /** Every wait asked for so far, in milliseconds. */
  readonly waits: readonly number[]
  /** Waits not yet ended. */
  readonly parked: number
  /** Ends every parked wait. */
  release: () => void
}

export function createHydrationGate (): HydrationGate {
  const waits: number[] = []
  let parked: (() => void)[] = []
  return {
    waits,
    get parked () { return parked.length },
    sleep: (ms, signal) => new Promise<void>((resolve) => {
      waits.push(ms)
      parked.push(resolve)
      signal.addEventListener('abort', () => { resolve() }, { once: true })
    }),
    release () {
      const ending = parked
      parked = []
      for (const resume of ending) resume()
    }
  }
}

/**
 * Like buildFaultApp, but returned as soon as it is ready, before hydration, with hydration's waits
 * under the test's control: for starting while event.com is down.
 */
export async function buildColdFaultApp (options: FaultAppOptions = {}): Promise<FaultApp & { gate: HydrationGate }> {
  const mock = await startMockEventService({ scenario: { name: 'healthy' }, readFailureRate: 0, addEventFailureDelayMs: 0, ...faultMockDefaults, ...options.mock })
  onTestFinished(() => mock.close())
  const clock = createManualClock(1_700_000_000_000)
  const timeouts = createManualTimeouts()
  const gate = createHydrationGate()
  const app = await buildApp({
    clock: clock.now,
    random: () => 0.5,
    processMetrics: false,
    timeoutSignal: timeouts.create,
    sleep: gate.sleep,
    config: withConfig(testConfig, { ...options.config, gateway: { eventServiceUrl: mock.url, ...options.config?.gateway } })
  })
  onTestFinished(() => app.close())
  await app.ready()
  return { ...withCheck({ app, mock, clock, timeouts }, options), gate }
}
