import type { Job } from 'pg-boss'
import type { Logger } from 'pino'
import { activate, failStep, settle } from './activation.js'
import { emailRequest } from '../delivery/index.js'
import { progress } from './progress.js'
import type { Database } from './database/database.js'
import type { AttemptResult, Deliver, DeliveryAttempt } from './deliveryPort.js'
import type { RetryPolicy, RuntimeStep } from './flowRuntime.js'
import { loadRun } from './runContext.js'
import type { RunContext, RuntimeOf } from './runContext.js'
import type { StepJob, StepQueue } from './stepQueue.js'

/** What happened to one attempt, for metrics. */
export interface StepObservation {
  readonly type: string
  readonly outcome: 'succeeded' | 'retry' | 'failed' | 'cancelled'
  readonly seconds: number
}

export interface StepRunnerDeps {
  readonly db: Database
  readonly queue: StepQueue
  readonly runtimeOf: RuntimeOf
  readonly deliver: Deliver
  readonly emailApiUrl: string
  /** The wait after try number `attempt` (from 1) failed, when the policy allows another. */
  readonly retryDelayMs: (policy: RetryPolicy, attempt: number) => number
  readonly log: Logger
  readonly clock: () => number
  readonly observe: (observation: StepObservation) => void
}

/** The calls in flight, by run: cancelling or exiting a run aborts them. */
export class InFlight {
  readonly #controllers = new Map<string, Set<AbortController>>()

  start (runId: string): AbortController {
    const controller = new AbortController()
    let set = this.#controllers.get(runId)
    if (set === undefined) {
      set = new Set()
      this.#controllers.set(runId, set)
    }
    set.add(controller)
    return controller
  }

  end (runId: string, controller: AbortController): void {
    const set = this.#controllers.get(runId)
    set?.delete(controller)
    if (set?.size === 0) this.#controllers.delete(runId)
  }

  abort (runId: string): number {
    const set = this.#controllers.get(runId)
    for (const controller of set ?? []) controller.abort()
    return set?.size ?? 0
  }

  get size (): number {
    return this.#controllers.size
  }

  /** The runs with a call in flight. */
  runIds (): string[] {
    return [...this.#controllers.keys()]
  }
}

type Callable = Extract<RuntimeStep, { type: 'email' | 'webhook' }>

/** A call aborted without its run ending (the process is stopping): its job is left for pg-boss to deliver again. */
class StepAbortedError extends Error {
  constructor (runId: string, stepId: string) {
    super(`step ${stepId} of run ${runId} was aborted`)
    this.name = 'StepAbortedError'
  }
}

/**
 * How often, and how far apart, an attempt's outcome is offered to a database that did not take
 * it (away for a moment): within STEP_RECOVERY_MS's margin over STEP_TIMEOUT_MS (at least 5 s),
 * so the call is not made again for want of its record.
 */
const recordTries = 4
const recordSpacingMs = 1000

/** The call one attempt of an email or webhook step makes, from the run's view; an Error when it cannot be made. */
function callOf (step: Callable, ctx: RunContext, emailApiUrl: string): Omit<DeliveryAttempt, 'idempotencyKey' | 'signal'> | Error {
  if (step.type === 'email') {
    const message = step.render(ctx.view)
    if (message instanceof Error) return message
    return emailRequest(emailApiUrl, message)
  }
  const call = step.render(ctx.view)
  if (call instanceof Error) return call
  return { url: call.url, method: call.method, headers: call.headers, ...(call.body !== undefined && { body: call.body }) }
}

/**
 * Runs the job a step scheduled. Every decision is taken in a transaction under the run's user
 * lock, and only the job the step currently expects is honoured, so a redelivered or stale job
 * changes nothing. A call is made outside any transaction: its attempt is recorded as started
 * before and as ended after, with the same `Idempotency-Key: <runId>:<stepId>` on every attempt.
 */
export function createStepRunner (deps: StepRunnerDeps, inFlight: InFlight): (job: Job<StepJob>) => Promise<void> {
  const { db, queue, log } = deps

  async function begin (job: Job<StepJob>): Promise<{ ctx: RunContext, step: Callable, attempt: number, call: Omit<DeliveryAttempt, 'idempotencyKey' | 'signal'> } | undefined> {
    const { runId, stepId, kind } = job.data
    return db.transaction(async (tx) => {
      const ctx = await loadRun(tx, runId, deps.runtimeOf, deps.clock())
      if (ctx === undefined || ctx.ended) return undefined
      const row = ctx.step(stepId)
      // Stale: the step has moved on, or was rescheduled under another job.
      if (row.jobId !== job.id) return undefined
      if (ctx.run.status === 'failed') {
        // Paused with its run: the job is dropped, and a retry of the run schedules a new one.
        ctx.update(stepId, { jobId: null })
        await ctx.flush(queue)
        return undefined
      }
      const step = ctx.runtime.step(stepId)
      if (step === undefined) return undefined
      if (kind === 'wake' || kind === 'timeout') {
        if (row.status !== 'waiting') return undefined
        if (kind === 'timeout') await tx.query('DELETE FROM journeys.waits WHERE run_id = $1 AND step_id = $2', [runId, stepId])
        await settle(ctx, stepId, kind === 'timeout' ? 'else' : null, { log })
        await ctx.flush(queue)
        return undefined
      }
      if (step.type !== 'email' && step.type !== 'webhook') return undefined
      if (row.status !== 'queued' && row.status !== 'running') return undefined
      const at = new Date(ctx.now)
      // A step still marked running was interrupted (its process died mid-call): that attempt is closed, and another made.
      await tx.query(`UPDATE journeys.step_attempts SET ended_at = $3, outcome = 'interrupted' WHERE run_id = $1 AND step_id = $2 AND ended_at IS NULL`, [runId, stepId, at])
      const call = callOf(step, ctx, deps.emailApiUrl)
      if (call instanceof Error) {
        await failStep(ctx, stepId, call.message)
        await ctx.flush(queue)
        deps.observe({ type: step.type, outcome: 'failed', seconds: 0 })
        log.warn({ runId, stepId, type: step.type, reason: call.message }, 'step failed: it cannot be sent')
        return undefined
      }
      const attempt = row.attempts + 1
      await tx.query('INSERT INTO journeys.step_attempts (run_id, step_id, n, started_at, type) VALUES ($1, $2, $3, $4, $5)', [runId, stepId, attempt, at, step.type])
      ctx.update(stepId, { status: 'running', attempts: attempt, nextAttemptAt: null })
      await ctx.flush(queue)
      return { ctx, step, attempt, call }
    })
  }

  async function end (job: Job<StepJob>, step: Callable, attempt: number, result: AttemptResult, seconds: number): Promise<void> {
    const { runId, stepId } = job.data
    await db.transaction(async (tx) => {
      const ctx = await loadRun(tx, runId, deps.runtimeOf, deps.clock())
      if (ctx === undefined) return
      const outcome = result.kind === 'delivered' ? 'succeeded' : result.kind
      const status = 'status' in result ? result.status ?? null : null
      const error = 'message' in result ? result.message : null
      await tx.query(`UPDATE journeys.step_attempts SET ended_at = $4, outcome = $5, status = $6, error = $7 WHERE run_id = $1 AND step_id = $2 AND n = $3`,
        [runId, stepId, attempt, new Date(ctx.now), outcome, status, error])
      const row = ctx.step(stepId)
      if (row.jobId !== job.id || row.status !== 'running' || row.attempts !== attempt) return
      if (ctx.ended) return
      if (ctx.run.status === 'failed') {
        // Another step failed the run meanwhile: the outcome is kept, and nothing new starts until the run is retried.
        if (result.kind === 'delivered') ctx.update(stepId, { status: 'succeeded', jobId: null })
        else if (result.kind === 'permanent') ctx.update(stepId, { status: 'failed', jobId: null })
        else ctx.update(stepId, { status: 'queued', jobId: null })
        await ctx.flush(queue)
        return
      }
      switch (result.kind) {
        case 'delivered':
          await settle(ctx, stepId, null, { log })
          break
        case 'cancelled':
          // Aborted without its run being ended (the process is stopping): the job is redelivered later.
          throw new StepAbortedError(runId, stepId)
        case 'retry': {
          const used = attempt - row.attemptBase
          if (used >= step.retry.attempts) {
            // The attempt just ended is the last one: it says why the step failed (a further row would log a call never made).
            await tx.query('UPDATE journeys.step_attempts SET error = $4 WHERE run_id = $1 AND step_id = $2 AND n = $3', [runId, stepId, attempt, `${result.message} (after ${used} attempts)`])
            ctx.update(stepId, { status: 'failed', jobId: null, nextAttemptAt: null })
            break
          }
          const delayMs = Math.max(deps.retryDelayMs(step.retry, used), result.retryAfterMs ?? 0)
          const jobId = crypto.randomUUID()
          const at = new Date(ctx.now + delayMs)
          ctx.update(stepId, { status: 'queued', jobId, nextAttemptAt: at })
          ctx.schedule({ id: jobId, data: { runId, stepId, kind: 'run' }, startAfter: at })
          break
        }
        case 'permanent':
          ctx.update(stepId, { status: 'failed', jobId: null })
          break
      }
      await ctx.flush(queue)
      deps.observe({ type: step.type, outcome: result.kind === 'delivered' ? 'succeeded' : result.kind === 'permanent' || ctx.step(stepId).status === 'failed' ? 'failed' : 'retry', seconds })
      if (ctx.step(stepId).status === 'failed') log.warn({ runId, stepId, type: step.type, attempt, status }, 'step failed')
    })
  }

  async function record (job: Job<StepJob>, step: Callable, attempt: number, result: AttemptResult, seconds: number): Promise<void> {
    for (let tries = 1; ; tries += 1) {
      try {
        await end(job, step, attempt, result, seconds)
        return
      } catch (error) {
        if (error instanceof StepAbortedError || tries >= recordTries) throw error
        log.warn({ err: error, runId: job.data.runId, stepId: job.data.stepId, attempt, tries }, 'could not record the attempt\'s outcome; trying again')
        await new Promise((resolve) => setTimeout(resolve, recordSpacingMs))
      }
    }
  }

  return async (job) => {
    const started = await begin(job)
    if (started === undefined) return
    const { step, attempt, call } = started
    const controller = inFlight.start(job.data.runId)
    const startedAt = performance.now()
    let result: AttemptResult
    try {
      result = await deps.deliver({ ...call, idempotencyKey: `${job.data.runId}:${job.data.stepId}`, signal: AbortSignal.any([controller.signal, job.signal]) })
    } finally {
      inFlight.end(job.data.runId, controller)
    }
    const seconds = (performance.now() - startedAt) / 1000
    log.info({ runId: job.data.runId, stepId: job.data.stepId, type: step.type, attempt, outcome: result.kind, ...('status' in result && { status: result.status }) }, 'step attempt ended')
    if (result.kind === 'cancelled' && controller.signal.aborted) {
      // The run was cancelled or exited while the call was in flight: its transaction already cancelled the step.
      deps.observe({ type: step.type, outcome: 'cancelled', seconds })
      await end(job, step, attempt, result, seconds).catch(() => undefined)
      return
    }
    await record(job, step, attempt, result, seconds)
  }
}

/**
 * Starts what a retried run needs again: its failed steps (with a fresh retry budget), the steps
 * whose jobs were dropped while it was failed, and the steps that became ready meanwhile.
 */
export async function resumeFailedRun (ctx: RunContext, queue: StepQueue, log: Logger): Promise<void> {
  const failed: string[] = []
  const settledSteps: string[] = []
  for (const step of ctx.steps()) {
    if (step.status === 'succeeded' || step.status === 'skipped') settledSteps.push(step.stepId)
    if (step.status === 'failed') {
      failed.push(step.stepId)
      ctx.update(step.stepId, { status: 'pending', attemptBase: step.attempts })
    } else if (step.jobId === null && (step.status === 'queued' || step.status === 'running')) {
      const jobId = crypto.randomUUID()
      ctx.update(step.stepId, { status: 'queued', jobId })
      ctx.schedule({ id: jobId, data: { runId: ctx.run.id, stepId: step.stepId, kind: 'run' } })
    } else if (step.jobId === null && step.status === 'waiting') {
      const jobId = crypto.randomUUID()
      const kind = ctx.runtime.step(step.stepId)?.type === 'waitForEvent' ? 'timeout' : 'wake'
      ctx.update(step.stepId, { jobId })
      ctx.schedule({ id: jobId, data: { runId: ctx.run.id, stepId: step.stepId, kind }, ...(step.wakeAt !== null && { startAfter: step.wakeAt }) })
    }
  }
  await activate(ctx, failed, { log })
  const ready = progress(ctx.runtime.graph, ctx.states(), settledSteps)
  for (const id of ready.skip) ctx.update(id, { status: 'skipped' })
  await activate(ctx, ready.activate, { log })
  await ctx.flush(queue)
}
