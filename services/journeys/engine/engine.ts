import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { openPglite } from './database/pgliteDatabase.js'
import type { PgliteDatabase } from './database/pgliteDatabase.js'
import { openPostgres } from './database/postgresDatabase.js'
import type { PostgresDatabase } from './database/postgresDatabase.js'
import { lockDataDir } from './database/dataDirLock.js'
import { migrate } from './database/migrations.js'
import type { BreakerSnapshot } from '../../../utils/breaker/circuitBreaker.js'
import type { Deliver } from './deliveryPort.js'
import { destinationHealth } from './destinations.js'
import type { DestinationHealth } from './destinations.js'
import { FlowCatalog, FlowInvalidError, FlowNotFoundError } from './flowCatalog.js'
import type { FlowDetail, FlowSummary, Validation } from './flowCatalog.js'
import type { FlowRuntime, RetryPolicy } from './flowRuntime.js'
import { pruneFinished } from './retention.js'
import { loadRun } from './runContext.js'
import { EventNotFoundError, RunConflictError, RunNotFoundError } from './runControl.js'
import { activeSteps } from './activeSteps.js'
import type { StepCounts } from './activeSteps.js'
import { analytics } from './analytics.js'
import type { Analytics, AnalyticsQuery } from './analytics.js'
import { listEvents } from './eventQueries.js'
import type { EventFilter } from './eventQueries.js'
import { getEvent, getRun, listRuns, pendingEvents } from './runQueries.js'
import type { EventDetail, Page, RunDetail, RunFilter, RunSummary } from './runQueries.js'
import { startStepQueue } from './stepQueue.js'
import type { QueueDepth, StepQueue } from './stepQueue.js'
import { listenEngineNotifications } from './engineNotifications.js'
import type { EngineNotifications } from './engineNotifications.js'
import { InFlight, createStepRunner, resumeFailedRun } from './stepRunner.js'
import type { StepObservation } from './stepRunner.js'
import { confirmPending, discardPending, recordPending, triggerEvent } from './triggers.js'
import type { TriggerAnswer, TriggerDeps, TriggerInput } from './triggers.js'

export interface EngineOptions {
  /** `memory://` or a folder for the embedded database; ignored when `databaseUrl` is set. */
  readonly dataDir: string
  /** The caller already holds DATA_DIR's lock (the gateway's main thread takes it before starting this one). */
  readonly dataDirLocked?: boolean
  readonly databaseUrl?: string | undefined
  readonly emailApiUrl: string
  readonly stepConcurrency: number
  readonly stepRecoveryMs: number
  readonly runRetentionDays: number
  readonly log: Logger
  readonly deliver: Deliver
  /** Each outbound destination's breaker, by origin, for /health (the sender's `breakers()`). */
  readonly breakers?: () => Readonly<Record<string, BreakerSnapshot>>
  readonly validate: (input: unknown) => Validation
  readonly compile: (definition: unknown, order: readonly string[]) => FlowRuntime
  readonly retryDelayMs: (policy: RetryPolicy, attempt: number) => number
  /** Flows saved when the database holds none yet, with their ids. */
  readonly sampleFlows?: readonly { readonly id: string, readonly definition: unknown }[]
  readonly onEventNamesChanged?: (names: readonly string[]) => void
  readonly observe?: (observation: StepObservation) => void
  /** Take step jobs (default true); false runs the API side only. */
  readonly work?: boolean
  readonly clock?: () => number
}

const isUniqueViolation = (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === '23505'

/** The sample flows, into an empty database; one the settings refuse (WEBHOOK_ALLOWED_HOSTS) is left out, and said so. */
async function saveSamples (catalog: FlowCatalog, samples: NonNullable<EngineOptions['sampleFlows']>, log: Logger): Promise<void> {
  const saved: string[] = []
  for (const sample of samples) {
    try {
      await catalog.create(sample.definition, sample.id)
      saved.push(sample.id)
    } catch (error) {
      // Another process starting on the same empty database saved it first.
      if (isUniqueViolation(error)) continue
      if (!(error instanceof FlowInvalidError)) throw error
      log.warn({ flowId: sample.id, errors: error.errors }, 'sample flow not saved: the settings refuse it')
    }
  }
  log.info({ flows: saved }, 'sample flows saved in the empty database')
}

export interface EngineHealth {
  readonly database: 'pglite' | 'postgres'
  readonly connected: boolean
  readonly migrations: number
  readonly workers: 'running' | 'stopped'
  readonly queue?: QueueDepth
  /** Each outbound destination's breaker (the email provider, each webhook origin called), most recently called first. */
  readonly destinations: readonly DestinationHealth[]
}

/**
 * The journeys engine: the database and its migrations, the step queue and its workers, the flow
 * catalog, and every operation the API offers. It runs in a worker thread (see engineWorker.ts),
 * so none of this ever runs on the gateway's event loop.
 */
export class JourneyEngine {
  readonly #db: PgliteDatabase | PostgresDatabase
  readonly #queue: StepQueue
  readonly #catalog: FlowCatalog
  readonly #options: EngineOptions
  readonly #inFlight = new InFlight()
  readonly #release: () => void
  readonly #migrations: number
  #working = false
  #retention: NodeJS.Timeout | undefined
  #notifications: EngineNotifications | undefined

  private constructor (db: PgliteDatabase | PostgresDatabase, queue: StepQueue, catalog: FlowCatalog, options: EngineOptions, migrations: number, release: () => void) {
    this.#db = db
    this.#queue = queue
    this.#catalog = catalog
    this.#options = options
    this.#migrations = migrations
    this.#release = release
  }

  static async start (options: EngineOptions): Promise<JourneyEngine> {
    const release = options.databaseUrl === undefined && options.dataDir !== 'memory://' && options.dataDirLocked !== true ? lockDataDir(options.dataDir) : () => undefined
    try {
      const db = options.databaseUrl === undefined ? await openPglite(options.dataDir) : openPostgres(options.databaseUrl)
      const migrations = await migrate(db)
      const queue = await startStepQueue(db, {
        concurrency: options.stepConcurrency,
        recoveryMs: options.stepRecoveryMs,
        onError: (error) => { options.log.error({ err: error }, 'step queue error') }
      })
      const catalog = new FlowCatalog({
        db,
        validate: options.validate,
        compile: options.compile,
        onEventNamesChanged: (names) => { options.onEventNamesChanged?.(names) }
      })
      const engine = new JourneyEngine(db, queue, catalog, options, migrations, release)
      if (options.sampleFlows !== undefined && await catalog.count() === 0) await saveSamples(catalog, options.sampleFlows, options.log)
      options.onEventNamesChanged?.(await catalog.eventNames())
      if (db.kind === 'postgres') engine.#listen(db.connectionString)
      if (options.work !== false) await engine.#startWorking()
      engine.#startRetention()
      return engine
    } catch (error) {
      release()
      throw error
    }
  }

  get #clock (): () => number {
    return this.#options.clock ?? Date.now
  }

  get #triggerDeps (): TriggerDeps {
    return {
      queue: this.#queue,
      log: this.#options.log,
      clock: this.#clock,
      flowsTriggeredBy: (tx, name) => this.#catalog.flowsTriggeredBy(tx, name),
      runtimeOf: (flowId, version, tx) => this.#catalog.runtimeOf(flowId, version, tx)
    }
  }

  async #startWorking (): Promise<void> {
    const runner = createStepRunner({
      db: this.#db,
      queue: this.#queue,
      runtimeOf: (flowId, version, tx) => this.#catalog.runtimeOf(flowId, version, tx),
      deliver: this.#options.deliver,
      emailApiUrl: this.#options.emailApiUrl,
      retryDelayMs: this.#options.retryDelayMs,
      log: this.#options.log,
      clock: this.#clock,
      observe: (observation) => { this.#options.observe?.(observation) }
    }, this.#inFlight)
    await this.#queue.work(runner)
    this.#working = true
  }

  /**
   * Other processes on the same PostgreSQL: a run one of them ends may have a call in flight here,
   * and a flow one of them saves changes which events may start a run.
   */
  #listen (connectionString: string): void {
    const log = this.#options.log
    const refreshNames = (): void => {
      this.#catalog.eventNames().then((names) => { this.#options.onEventNamesChanged?.(names) }, (error: unknown) => {
        log.warn({ err: error }, 'could not read the event names again; the next change will')
      })
    }
    const abort = (runId: string): void => {
      const aborted = this.#inFlight.abort(runId)
      if (aborted > 0) log.info({ runId, abortedCalls: aborted }, 'run ended: its call in flight here aborted')
    }
    this.#notifications = listenEngineNotifications(connectionString, {
      runEnded: abort,
      flowsChanged: refreshNames,
      connected: () => {
        refreshNames()
        const runIds = this.#inFlight.runIds()
        if (runIds.length === 0) return
        this.#db.query<{ id: string }>(`SELECT id FROM journeys.runs WHERE id = ANY($1) AND status IN ('cancelled', 'exited')`, [runIds])
          .then(({ rows }) => { for (const row of rows) abort(row.id) }, () => undefined)
      }
    }, log)
  }

  /** Every process runs the retention hourly; its lock lets one at a time delete. */
  #startRetention (): void {
    const prune = (): void => {
      this.pruneFinished().catch((error: unknown) => {
        this.#options.log.warn({ err: error }, 'retention pass failed; the next one will try again')
      })
    }
    this.#retention = setInterval(prune, 3_600_000)
    this.#retention.unref()
    prune()
  }

  /** Deletes what the retention no longer keeps (it runs hourly on its own); says how much. */
  pruneFinished (): Promise<{ readonly runs: number, readonly events: number }> {
    return pruneFinished(this.#db, this.#options.runRetentionDays, new Date(this.#clock()), this.#options.log)
  }

  async triggerEvent (input: TriggerInput): Promise<TriggerAnswer & { readonly replayed: boolean }> {
    const answer = await this.#db.transaction((tx) => triggerEvent(tx, input, this.#triggerDeps))
    if (!answer.replayed) this.#abortExited(answer)
    return answer
  }

  /** Runs an event ended by their exit rule stop at once: a call they have in flight is aborted. */
  #abortExited (answer: TriggerAnswer | undefined): void {
    for (const runId of answer?.exited ?? []) this.#inFlight.abort(runId)
  }

  recordPending (input: TriggerInput): Promise<void> {
    return this.#db.transaction((tx) => recordPending(tx, input, this.#clock))
  }

  async confirmPending (input: TriggerInput): Promise<TriggerAnswer | undefined> {
    const answer = await this.#db.transaction((tx) => confirmPending(tx, input, this.#triggerDeps))
    this.#abortExited(answer)
    return answer
  }

  discardPending (eventId: string): Promise<void> {
    return this.#db.transaction((tx) => discardPending(tx, eventId))
  }

  pendingEvents (olderThanMs: number, limit = 100): ReturnType<typeof pendingEvents> {
    return pendingEvents(this.#db, new Date(this.#clock() - olderThanMs), limit)
  }

  validateFlow (input: unknown): { readonly valid: true, readonly order: readonly string[] } {
    return { valid: true, order: this.#catalog.validate(input).order }
  }

  createFlow (input: unknown, id: string = randomUUID()): Promise<FlowDetail> {
    return this.#catalog.create(input, id)
  }

  updateFlow (id: string, input: unknown): Promise<FlowDetail> {
    return this.#catalog.update(id, input)
  }

  getFlow (id: string, version?: number): Promise<FlowDetail> {
    return this.#catalog.get(id, version)
  }

  listFlows (options: { readonly includeArchived?: boolean } = {}): Promise<FlowSummary[]> {
    return this.#catalog.list(options)
  }

  /** How many of the flow's active runs are at each step now, by step id. */
  async flowSteps (id: string): Promise<{ readonly steps: Record<string, StepCounts> }> {
    const steps = await activeSteps(this.#db, id)
    if (steps === undefined) throw new FlowNotFoundError(id)
    return { steps }
  }

  setFlowEnabled (id: string, enabled: boolean): Promise<FlowDetail> {
    return this.#catalog.setEnabled(id, enabled)
  }

  async archiveFlow (id: string, cancelRuns: boolean): Promise<{ readonly cancelled: number }> {
    await this.#catalog.archive(id)
    if (!cancelRuns) return { cancelled: 0 }
    const { rows } = await this.#db.query<{ id: string }>('SELECT id FROM journeys.runs WHERE flow_id = $1 AND ended_at IS NULL', [id])
    let cancelled = 0
    for (const row of rows) {
      try {
        await this.cancelRun(row.id)
        cancelled += 1
      } catch (error) {
        if (!(error instanceof RunConflictError)) throw error
      }
    }
    return { cancelled }
  }

  listRuns (filter: RunFilter): Promise<Page<RunSummary>> {
    return listRuns(this.#db, filter)
  }

  async getRun (id: string): Promise<RunDetail> {
    const run = await getRun(this.#db, id, async (flowId, version) => (await this.#catalog.runtimeOf(flowId, version)).order)
    if (run === undefined) throw new RunNotFoundError(id)
    return run
  }

  /** Cancels a run: its timers and retries removed, a call in flight aborted, nothing after it run. */
  async cancelRun (id: string): Promise<RunDetail> {
    await this.#db.transaction(async (tx) => {
      const ctx = await loadRun(tx, id, (flowId, version, inTx) => this.#catalog.runtimeOf(flowId, version, inTx), this.#clock())
      if (ctx === undefined) throw new RunNotFoundError(id)
      if (ctx.ended) throw new RunConflictError(id, ctx.run.status, 'cancelled')
      ctx.end('cancelled')
      await ctx.flush(this.#queue)
    })
    const aborted = this.#inFlight.abort(id)
    this.#options.log.info({ runId: id, abortedCalls: aborted }, 'run cancelled')
    return this.getRun(id)
  }

  /** Re-runs a failed run's failed steps, with a fresh retry budget, and carries it on. */
  async retryRun (id: string): Promise<RunDetail> {
    await this.#db.transaction(async (tx) => {
      const ctx = await loadRun(tx, id, (flowId, version, inTx) => this.#catalog.runtimeOf(flowId, version, inTx), this.#clock())
      if (ctx === undefined) throw new RunNotFoundError(id)
      if (ctx.run.status !== 'failed') throw new RunConflictError(id, ctx.run.status, 'retried')
      await resumeFailedRun(ctx, this.#queue, this.#options.log)
    })
    this.#options.log.info({ runId: id }, 'run retried')
    return this.getRun(id)
  }

  async getEvent (id: string): Promise<EventDetail> {
    const event = await getEvent(this.#db, id)
    if (event === undefined) throw new EventNotFoundError(id)
    return event
  }

  /** Trigger events, newest first, one page, each with the runs it started and the flows it skipped. */
  listEvents (filter: EventFilter): Promise<Page<EventDetail>> {
    return listEvents(this.#db, filter)
  }

  /** The dashboard's figures for a window (by default the hour before the engine's clock). */
  analytics (query: AnalyticsQuery = {}): Promise<Analytics> {
    return analytics(this.#db, query, this.#clock())
  }

  async health (): Promise<EngineHealth> {
    const destinations = destinationHealth(this.#options.breakers?.() ?? {})
    try {
      const queue = await this.#queue.depth()
      return { database: this.#db.kind, connected: true, migrations: this.#migrations, workers: this.#working ? 'running' : 'stopped', queue, destinations }
    } catch {
      return { database: this.#db.kind, connected: false, migrations: this.#migrations, workers: this.#working ? 'running' : 'stopped', destinations }
    }
  }

  async runsByStatus (): Promise<Record<string, number>> {
    const { rows } = await this.#db.query<{ status: string, n: string }>('SELECT status, count(*) AS n FROM journeys.runs GROUP BY status')
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]))
  }

  /** Stops taking steps, lets those running finish (at most `timeoutMs`), then closes the database. */
  async stop (timeoutMs: number): Promise<void> {
    if (this.#retention !== undefined) clearInterval(this.#retention)
    this.#working = false
    try {
      await this.#queue.stop(timeoutMs)
    } finally {
      await this.#notifications?.close()
      await this.#db.close()
      this.#release()
    }
  }
}
