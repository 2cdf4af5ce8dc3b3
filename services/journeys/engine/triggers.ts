import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { activate, settle } from './activation.js'
import type { Queryable } from './database/database.js'
import type { EventView } from './eventView.js'
import type { FlowRuntime, RunView } from './flowRuntime.js'
import { initialProgress } from './progress.js'
import { RunContext, loadLockedRun, lockUser } from './runContext.js'
import type { RuntimeOf } from './runContext.js'
import type { StepQueue } from './stepQueue.js'

/** A behavioural event, as the API or an accepted write hands it over. */
export interface TriggerInput {
  readonly id: string
  readonly name: string
  readonly userId: string
  readonly email?: string | undefined
  readonly properties: Readonly<Record<string, unknown>>
  readonly occurredAt?: string | undefined
  /** The gateway's user, when it knows them (the event's email overriding theirs); otherwise `{id, email?}`. */
  readonly user: Readonly<Record<string, unknown>>
  readonly source: 'api' | 'addEvent'
}

export interface StartedRun { readonly runId: string, readonly flowId: string, readonly flowVersion: number }
export interface SkippedFlow { readonly flowId: string, readonly reason: 'already-entered' | 'disabled' }

/** What an event did: the runs it started, the flows it skipped and why, and the runs it ended by their exit rule. */
export interface TriggerAnswer {
  readonly eventId: string
  readonly runs: readonly StartedRun[]
  readonly skipped: readonly SkippedFlow[]
  readonly exited: readonly string[]
}

/** A flow whose trigger names an event: its newest version. */
export interface TriggeredFlow {
  readonly flowId: string
  readonly version: number
  readonly enabled: boolean
  readonly runtime: FlowRuntime
}

export interface TriggerDeps {
  readonly queue: StepQueue
  readonly log: Logger
  readonly clock: () => number
  /** The newest version of every live flow (not archived) whose trigger names `eventName`. */
  readonly flowsTriggeredBy: (tx: Queryable, eventName: string) => Promise<readonly TriggeredFlow[]>
  readonly runtimeOf: RuntimeOf
  readonly newId?: () => string
}

function eventView (input: TriggerInput, receivedAt: Date): EventView {
  return {
    id: input.id,
    name: input.name,
    userId: input.userId,
    ...(input.email !== undefined && { email: input.email }),
    properties: input.properties,
    ...(input.occurredAt !== undefined && { occurredAt: input.occurredAt }),
    receivedAt: receivedAt.toISOString()
  }
}

async function insertEvent (tx: Queryable, input: TriggerInput, state: 'recorded' | 'pending', receivedAt: Date): Promise<boolean> {
  const { rows } = await tx.query(`
    INSERT INTO journeys.trigger_events (id, name, user_id, email, properties, occurred_at, received_at, source, state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
  [input.id, input.name, input.userId, input.email ?? null, JSON.stringify(input.properties), input.occurredAt ?? null, receivedAt, input.source, state])
  return rows.length > 0
}

/**
 * What an event does to a user's journeys, in the caller's transaction under the user's lock:
 * first it ends the runs whose exit it matches (at once, whatever they wait for) and completes the
 * waits it matches; then it starts the flows it triggers, each as its entry policy allows.
 */
async function applyEvent (tx: Queryable, input: TriggerInput, receivedAt: Date, deps: TriggerDeps): Promise<TriggerAnswer> {
  const now = deps.clock()
  const event = eventView(input, receivedAt)
  const log = deps.log

  const exiting = await tx.query<{ id: string }>(`
    SELECT r.id FROM journeys.runs r JOIN journeys.flow_versions v ON v.flow_id = r.flow_id AND v.version = r.flow_version
    WHERE r.user_id = $1 AND r.ended_at IS NULL AND v.exit_event = $2 ORDER BY r.started_at`, [input.userId, input.name])
  const exited: string[] = []
  for (const { id } of exiting.rows) {
    const ctx = await loadLockedRun(tx, id, deps.runtimeOf, now)
    if (ctx === undefined || ctx.ended || !ctx.runtime.exitMatches({ ...ctx.view, event })) continue
    ctx.end('exited')
    await ctx.flush(deps.queue)
    exited.push(id)
    log.info({ runId: id, eventId: input.id }, 'run exited')
  }

  const waits = await tx.query<{ run_id: string, step_id: string }>('SELECT run_id, step_id FROM journeys.waits WHERE user_id = $1 AND event_name = $2', [input.userId, input.name])
  for (const wait of waits.rows) {
    const ctx = await loadLockedRun(tx, wait.run_id, deps.runtimeOf, now)
    if (ctx === undefined || ctx.ended) continue
    const step = ctx.runtime.step(wait.step_id)
    if (step?.type !== 'waitForEvent' || ctx.step(wait.step_id).status !== 'waiting' || !step.matches({ ...ctx.view, event })) continue
    await tx.query('DELETE FROM journeys.waits WHERE run_id = $1 AND step_id = $2', [wait.run_id, wait.step_id])
    ctx.removeJob(ctx.step(wait.step_id).jobId)
    await settle(ctx, wait.step_id, 'then', { log })
    await ctx.flush(deps.queue)
    log.info({ runId: wait.run_id, stepId: wait.step_id, eventId: input.id }, 'waitForEvent: the event arrived')
  }

  const runs: StartedRun[] = []
  const skipped: SkippedFlow[] = []
  for (const flow of await deps.flowsTriggeredBy(tx, input.name)) {
    const runId = (deps.newId ?? randomUUID)()
    const view: RunView = { user: input.user, event, run: { id: runId, flowId: flow.flowId, flowVersion: flow.version } }
    if (!flow.runtime.triggerMatches(view)) continue
    if (!flow.enabled) {
      skipped.push({ flowId: flow.flowId, reason: 'disabled' })
      continue
    }
    // Entry keys are rows with a unique key: the database, not the queue, decides, and they outlive the run.
    if (flow.runtime.entry === 'once') {
      const entered = await tx.query('INSERT INTO journeys.entries (flow_id, user_id, run_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING run_id', [flow.flowId, input.userId, runId])
      if (entered.rows.length === 0) {
        skipped.push({ flowId: flow.flowId, reason: 'already-entered' })
        continue
      }
    } else if (flow.runtime.entry === 'once-per-event') {
      const entered = await tx.query('INSERT INTO journeys.event_runs (flow_id, event_id, run_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING run_id', [flow.flowId, input.id, runId])
      if (entered.rows.length === 0) {
        skipped.push({ flowId: flow.flowId, reason: 'already-entered' })
        continue
      }
    }
    const startedAt = new Date(now)
    const context = { user: input.user, event }
    await tx.query(`INSERT INTO journeys.runs (id, flow_id, flow_version, user_id, event_id, status, context, started_at) VALUES ($1, $2, $3, $4, $5, 'running', $6, $7)`,
      [runId, flow.flowId, flow.version, input.userId, input.id, JSON.stringify(context), startedAt])
    const ids = flow.runtime.stepIds
    await tx.query(`INSERT INTO journeys.run_steps (run_id, step_id, type, status) SELECT $1, s.id, s.type, 'pending' FROM unnest($2::text[], $3::text[]) AS s(id, type)`,
      [runId, [...ids], ids.map((id) => flow.runtime.step(id)?.type ?? 'unknown')])
    const ctx = new RunContext(tx, {
      id: runId, flowId: flow.flowId, flowVersion: flow.version, userId: input.userId, eventId: input.id, status: 'running', context, startedAt, endedAt: null
    }, ids.map((id) => ({ stepId: id, type: flow.runtime.step(id)?.type ?? 'unknown', status: 'pending', branch: null, wakeAt: null, nextAttemptAt: null, attempts: 0, attemptBase: 0, jobId: null })), flow.runtime, now)
    await activate(ctx, initialProgress(flow.runtime.graph).activate, { log, ...(deps.newId && { newId: deps.newId }) })
    await ctx.flush(deps.queue)
    runs.push({ runId, flowId: flow.flowId, flowVersion: flow.version })
    log.info({ runId, flowId: flow.flowId, flowVersion: flow.version, eventId: input.id }, 'run started')
  }
  return { eventId: input.id, runs, skipped, exited }
}

/** Shards of each minute's count of an event name: concurrent transactions recording one name mostly update different rows. */
const countShards = 8

/** The event is recorded, with what it did, and counted in its minute and its hour (the analytics' source); last in its transaction, so the count's row is held only until commit. */
async function recordAnswer (tx: Queryable, answer: TriggerAnswer): Promise<void> {
  await tx.query(`
    WITH recorded AS (
      UPDATE journeys.trigger_events SET state = 'recorded', answer = $2 WHERE id = $1 RETURNING name, received_at
    ), minutes AS (
      INSERT INTO journeys.event_counts (minute, name, shard, count)
      SELECT date_trunc('minute', received_at, 'UTC'), name, hashtext($1) & $3, 1 FROM recorded
      ON CONFLICT (minute, name, shard) DO UPDATE SET count = journeys.event_counts.count + 1
    )
    INSERT INTO journeys.event_counts_hourly (hour, name, shard, count)
    SELECT date_trunc('hour', received_at, 'UTC'), name, hashtext($1) & $3, 1 FROM recorded
    ON CONFLICT (hour, name, shard) DO UPDATE SET count = journeys.event_counts_hourly.count + 1`,
  [answer.eventId, JSON.stringify({ runs: answer.runs, skipped: answer.skipped, exited: answer.exited }), countShards - 1])
}

async function storedAnswer (tx: Queryable, eventId: string): Promise<{ state: string, answer: TriggerAnswer | undefined } | undefined> {
  const { rows } = await tx.query<{ state: string, answer: { runs: StartedRun[], skipped: SkippedFlow[], exited?: string[] } | null }>('SELECT state, answer FROM journeys.trigger_events WHERE id = $1', [eventId])
  const row = rows[0]
  if (row === undefined) return undefined
  return { state: row.state, answer: row.answer === null ? undefined : { eventId, exited: [], ...row.answer } }
}

/**
 * Records an event and everything it does, in one transaction: when it commits, the event, the runs
 * it started and their first jobs are all durable; when it fails, none of them exist. A repeat of
 * an id already recorded changes nothing and gets the first answer (`replayed`).
 */
export async function triggerEvent (tx: Queryable, input: TriggerInput, deps: TriggerDeps): Promise<TriggerAnswer & { readonly replayed: boolean }> {
  await lockUser(tx, input.userId)
  const receivedAt = new Date(deps.clock())
  if (!await insertEvent(tx, input, 'recorded', receivedAt)) {
    const stored = await storedAnswer(tx, input.id)
    return { ...stored?.answer ?? { eventId: input.id, runs: [], skipped: [], exited: [] }, replayed: true }
  }
  const answer = await applyEvent(tx, input, receivedAt, deps)
  await recordAnswer(tx, answer)
  return { ...answer, replayed: false }
}

/** Records an accepted write's event as pending before it is forwarded: confirmed or discarded once event.com has answered. */
export async function recordPending (tx: Queryable, input: TriggerInput, clock: () => number): Promise<void> {
  await insertEvent(tx, input, 'pending', new Date(clock()))
}

/** event.com has the event: it does what it triggers, once (a second confirmation changes nothing). */
export async function confirmPending (tx: Queryable, input: TriggerInput, deps: TriggerDeps): Promise<TriggerAnswer | undefined> {
  await lockUser(tx, input.userId)
  const { rows } = await tx.query<{ received_at: Date | string }>(`UPDATE journeys.trigger_events SET state = 'confirming' WHERE id = $1 AND state = 'pending' RETURNING received_at`, [input.id])
  const row = rows[0]
  if (row === undefined) return undefined
  const answer = await applyEvent(tx, input, new Date(row.received_at), deps)
  await recordAnswer(tx, answer)
  return answer
}

/** The write failed without reaching event.com: its event never happened. */
export async function discardPending (tx: Queryable, eventId: string): Promise<void> {
  await tx.query(`UPDATE journeys.trigger_events SET state = 'discarded' WHERE id = $1 AND state = 'pending'`, [eventId])
}
