import type { Queryable } from './database/database.js'
import type { FlowRuntime, RunView } from './flowRuntime.js'
import { runStatusOf } from './progress.js'
import type { RunStatus, StepState, StepStatus } from './progress.js'
import type { ScheduledJob, StepQueue } from './stepQueue.js'
import { notifyRunsEnded } from './engineNotifications.js'

export interface RunRow {
  readonly id: string
  readonly flowId: string
  readonly flowVersion: number
  readonly userId: string
  readonly eventId: string
  status: RunStatus
  readonly context: { readonly user: Readonly<Record<string, unknown>>, readonly event: Readonly<Record<string, unknown>> }
  readonly startedAt: Date
  endedAt: Date | null
}

export interface StepRow {
  readonly stepId: string
  readonly type: string
  status: StepStatus
  branch: 'then' | 'else' | null
  wakeAt: Date | null
  nextAttemptAt: Date | null
  attempts: number
  attemptBase: number
  jobId: string | null
}

export const terminalRunStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'cancelled', 'exited'])
const endedStepStatuses: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled'])

/** Takes the user's lock for this transaction: every change to a user's runs, waits and events is made under it, one at a time. */
export async function lockUser (tx: Queryable, userId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`journeys-user:${userId}`])
}

interface RunRecord {
  id: string
  flow_id: string
  flow_version: number
  user_id: string
  event_id: string
  status: RunStatus
  context: RunRow['context']
  started_at: Date | string
  ended_at: Date | string | null
}

interface StepRecord {
  step_id: string
  type: string
  status: StepStatus
  branch: 'then' | 'else' | null
  wake_at: Date | string | null
  next_attempt_at: Date | string | null
  attempts: number
  attempt_base: number
  job_id: string | null
}

const toDate = (value: Date | string | null): Date | null => value === null ? null : new Date(value)

/**
 * One run, loaded in a transaction under its user's lock: its steps' states, the jobs to schedule
 * and remove, and the writes that `flush` makes at the end. Everything a transaction decides about
 * a run goes through one of these, so the run's status always follows its steps.
 */
export class RunContext {
  readonly tx: Queryable
  readonly run: RunRow
  readonly runtime: FlowRuntime
  readonly now: number
  readonly #steps = new Map<string, StepRow>()
  readonly #dirty = new Set<string>()
  readonly #jobs: ScheduledJob[] = []
  readonly #removed: string[] = []
  #runDirty = false
  #endedHere = false

  constructor (tx: Queryable, run: RunRow, steps: readonly StepRow[], runtime: FlowRuntime, now: number) {
    this.tx = tx
    this.run = run
    this.runtime = runtime
    this.now = now
    for (const step of steps) this.#steps.set(step.stepId, step)
  }

  get view (): RunView {
    return {
      user: this.run.context.user,
      event: this.run.context.event,
      run: { id: this.run.id, flowId: this.run.flowId, flowVersion: this.run.flowVersion, startedAt: this.run.startedAt.toISOString() }
    }
  }

  get ended (): boolean {
    return terminalRunStatuses.has(this.run.status)
  }

  step (id: string): StepRow {
    const step = this.#steps.get(id)
    if (step === undefined) throw new Error(`run ${this.run.id} has no step ${id}`)
    return step
  }

  steps (): IterableIterator<StepRow> {
    return this.#steps.values()
  }

  states (): ReadonlyMap<string, StepState> {
    return new Map([...this.#steps].map(([id, step]) => [id, { status: step.status, branch: step.branch }]))
  }

  update (id: string, patch: Partial<Omit<StepRow, 'stepId' | 'type'>>): StepRow {
    const step = Object.assign(this.step(id), patch)
    this.#dirty.add(id)
    return step
  }

  schedule (job: ScheduledJob): void {
    this.#jobs.push(job)
  }

  removeJob (id: string | null): void {
    if (id !== null) this.#removed.push(id)
  }

  /** Ends the run as cancelled or exited: every step not ended is cancelled, its timers and retries removed. */
  end (status: 'cancelled' | 'exited'): void {
    for (const step of this.#steps.values()) {
      if (endedStepStatuses.has(step.status)) continue
      this.removeJob(step.jobId)
      this.update(step.stepId, { status: 'cancelled', jobId: null, wakeAt: null, nextAttemptAt: null })
    }
    this.run.status = status
    this.run.endedAt = new Date(this.now)
    this.#runDirty = true
    this.#endedHere = true
  }

  /** Writes what changed: the steps, the run's status (from its steps unless it was ended), the jobs. */
  async flush (queue: StepQueue): Promise<void> {
    for (const id of this.#dirty) {
      const step = this.step(id)
      await this.tx.query(`
        UPDATE journeys.run_steps SET status = $3, branch = $4, wake_at = $5, next_attempt_at = $6, attempts = $7,
          attempt_base = $8, job_id = $9, updated_at = now()
        WHERE run_id = $1 AND step_id = $2`,
      [this.run.id, id, step.status, step.branch, step.wakeAt, step.nextAttemptAt, step.attempts, step.attemptBase, step.jobId])
    }
    if (!this.ended) {
      const status = runStatusOf(this.#steps.values())
      // A failed run ends until it is retried; a retried one is running again.
      const endedAt = status === 'completed' || status === 'failed' ? this.run.endedAt ?? new Date(this.now) : null
      if (status !== this.run.status || endedAt?.getTime() !== this.run.endedAt?.getTime()) {
        this.run.status = status
        this.run.endedAt = endedAt
        this.#runDirty = true
      }
    }
    if (this.#runDirty) {
      await this.tx.query('UPDATE journeys.runs SET status = $2, ended_at = $3, updated_at = now() WHERE id = $1', [this.run.id, this.run.status, this.run.endedAt])
    }
    if (this.run.status === 'cancelled' || this.run.status === 'exited') {
      await this.tx.query('DELETE FROM journeys.waits WHERE run_id = $1', [this.run.id])
    }
    // Delivered at commit to every engine on the database: the one with a call of this run in flight aborts it.
    if (this.#endedHere) await notifyRunsEnded(this.tx, [this.run.id])
    this.#endedHere = false
    await queue.remove(this.tx, this.#removed.splice(0))
    await queue.schedule(this.tx, this.#jobs.splice(0))
    this.#dirty.clear()
    this.#runDirty = false
  }
}

/**
 * A flow version, compiled. Within a transaction it must be given the transaction: on the embedded
 * database there is one connection, and a read outside the transaction would wait for it forever.
 */
export type RuntimeOf = (flowId: string, version: number, tx: Queryable) => Promise<FlowRuntime>

/** Loads a run for changing it; takes its user's lock first. Undefined when there is no such run. */
export async function loadRun (tx: Queryable, runId: string, runtimeOf: RuntimeOf, now: number): Promise<RunContext | undefined> {
  const owner = await tx.query<{ user_id: string }>('SELECT user_id FROM journeys.runs WHERE id = $1', [runId])
  const userId = owner.rows[0]?.user_id
  if (userId === undefined) return undefined
  await lockUser(tx, userId)
  return loadLockedRun(tx, runId, runtimeOf, now)
}

/** Loads a run whose user's lock this transaction already holds. */
export async function loadLockedRun (tx: Queryable, runId: string, runtimeOf: RuntimeOf, now: number): Promise<RunContext | undefined> {
  const runs = await tx.query<RunRecord>('SELECT * FROM journeys.runs WHERE id = $1 FOR UPDATE', [runId])
  const record = runs.rows[0]
  if (record === undefined) return undefined
  const steps = await tx.query<StepRecord>('SELECT * FROM journeys.run_steps WHERE run_id = $1', [runId])
  const run: RunRow = {
    id: record.id,
    flowId: record.flow_id,
    flowVersion: record.flow_version,
    userId: record.user_id,
    eventId: record.event_id,
    status: record.status,
    context: record.context,
    startedAt: new Date(record.started_at),
    endedAt: toDate(record.ended_at)
  }
  return new RunContext(tx, run, steps.rows.map((step) => ({
    stepId: step.step_id,
    type: step.type,
    status: step.status,
    branch: step.branch,
    wakeAt: toDate(step.wake_at),
    nextAttemptAt: toDate(step.next_attempt_at),
    attempts: step.attempts,
    attemptBase: step.attempt_base,
    jobId: step.job_id
  })), await runtimeOf(run.flowId, run.flowVersion, tx), now)
}
