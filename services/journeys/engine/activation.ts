import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { eventViewOf } from './eventView.js'
import type { EventRecord, EventView } from './eventView.js'
import { progress } from './progress.js'
import type { RunContext } from './runContext.js'

export interface ActivationDeps {
  readonly log: Logger
  readonly newId?: () => string
}

/** Records a step's failure that needed no call (a bad `until`, an address that renders empty) as an attempt, and fails it. */
export async function failStep (ctx: RunContext, stepId: string, message: string): Promise<void> {
  const step = ctx.step(stepId)
  const n = step.attempts + 1
  const at = new Date(ctx.now)
  await ctx.tx.query(`
    INSERT INTO journeys.step_attempts (run_id, step_id, n, started_at, ended_at, outcome, error, type) VALUES ($1, $2, $3, $4, $4, 'permanent', $5, $6)
    ON CONFLICT (run_id, step_id, n) DO UPDATE SET ended_at = $4, outcome = 'permanent', error = $5`, [ctx.run.id, stepId, n, at, message, step.type])
  ctx.update(stepId, { status: 'failed', attempts: n, jobId: null, wakeAt: null, nextAttemptAt: null })
}

/**
 * Settles a step (succeeded, along `branch` for a branch or waitForEvent) and carries the run on:
 * the steps this makes ready are started, those it rules out are skipped, transitively.
 */
export async function settle (ctx: RunContext, stepId: string, branch: 'then' | 'else' | null, deps: ActivationDeps): Promise<void> {
  ctx.update(stepId, { status: 'succeeded', branch, jobId: null, wakeAt: null, nextAttemptAt: null })
  await carryOn(ctx, [stepId], deps)
}

async function carryOn (ctx: RunContext, settledSteps: readonly string[], deps: ActivationDeps): Promise<void> {
  const next = progress(ctx.runtime.graph, ctx.states(), settledSteps)
  for (const id of next.skip) ctx.update(id, { status: 'skipped' })
  await activate(ctx, next.activate, deps)
  // A skipped step's children were already judged by progress; nothing more to carry.
}

/** Events of this user and name recorded since `since`, oldest first: what a waitForEvent's lookback may count. */
async function recentEvents (ctx: RunContext, name: string, since: Date): Promise<EventView[]> {
  const { rows } = await ctx.tx.query<EventRecord>(`
    SELECT id, name, user_id, email, properties, occurred_at, received_at FROM journeys.trigger_events
    WHERE user_id = $1 AND name = $2 AND state = 'recorded' AND received_at >= $3 ORDER BY received_at, id LIMIT 1000`,
  [ctx.run.userId, name, since])
  return rows.map(eventViewOf)
}

/** Starts steps that have become ready, each as its type asks; a step that settles at once carries the run on in turn. */
export async function activate (ctx: RunContext, stepIds: readonly string[], deps: ActivationDeps): Promise<void> {
  const newId = deps.newId ?? randomUUID
  for (const id of stepIds) {
    const step = ctx.runtime.step(id)
    if (step === undefined) throw new Error(`flow ${ctx.run.flowId} v${ctx.run.flowVersion} has no step ${id}`)
    switch (step.type) {
      case 'email':
      case 'webhook': {
        const jobId = newId()
        ctx.update(id, { status: 'queued', jobId, nextAttemptAt: null })
        ctx.schedule({ id: jobId, data: { runId: ctx.run.id, stepId: id, kind: 'run' } })
        break
      }
      case 'wait': {
        const wakeAt = step.wakeAt(ctx.view, ctx.now)
        if (wakeAt instanceof Error) {
          await failStep(ctx, id, wakeAt.message)
          break
        }
        if (wakeAt <= ctx.now) {
          deps.log.info({ runId: ctx.run.id, stepId: id, wakeAt: new Date(wakeAt).toISOString() }, 'wait already due: continuing at once')
          await settle(ctx, id, null, deps)
          break
        }
        const jobId = newId()
        ctx.update(id, { status: 'waiting', wakeAt: new Date(wakeAt), jobId })
        ctx.schedule({ id: jobId, data: { runId: ctx.run.id, stepId: id, kind: 'wake' }, startAfter: new Date(wakeAt) })
        break
      }
      case 'branch':
        await settle(ctx, id, step.matches(ctx.view) ? 'then' : 'else', deps)
        break
      case 'waitForEvent': {
        // Registered and looked back on under the user's lock: an event is either seen here, or finds the wait.
        const since = new Date(ctx.now - step.lookbackMs)
        const seen = step.lookbackMs > 0 ? (await recentEvents(ctx, step.event, since)).find((event) => step.matches({ ...ctx.view, event })) : undefined
        if (seen !== undefined) {
          deps.log.info({ runId: ctx.run.id, stepId: id, eventId: seen.id }, 'waitForEvent: event already seen in the lookback')
          await settle(ctx, id, 'then', deps)
          break
        }
        await ctx.tx.query(`INSERT INTO journeys.waits (run_id, step_id, user_id, event_name) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [ctx.run.id, id, ctx.run.userId, step.event])
        const jobId = newId()
        const deadline = new Date(ctx.now + step.timeoutMs)
        ctx.update(id, { status: 'waiting', wakeAt: deadline, jobId })
        ctx.schedule({ id: jobId, data: { runId: ctx.run.id, stepId: id, kind: 'timeout' }, startAfter: deadline })
        break
      }
    }
  }
}
