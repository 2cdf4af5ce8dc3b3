import { randomUUID } from 'node:crypto'
import type { Database, Queryable } from './database/database.js'
import type { FlowRuntime } from './flowRuntime.js'
import type { TriggeredFlow } from './triggers.js'
import { notifyFlowsChanged } from './engineNotifications.js'

/** A flow as the API shows it. */
export interface FlowSummary {
  readonly id: string
  readonly name: string
  readonly version: number
  readonly enabled: boolean
  readonly archived: boolean
  readonly entry: string
  readonly trigger: string
  readonly createdAt: string
  readonly updatedAt: string
  /** Runs of every version, by status. */
  readonly runs: Readonly<Record<string, number>>
}

export interface FlowDetail extends FlowSummary {
  /** The version shown (the newest unless asked for another). */
  readonly shownVersion: number
  readonly definition: unknown
  readonly order: readonly string[]
}

/** A definition that passed validation: what is stored, and compiled. */
export interface ValidFlow {
  readonly definition: Readonly<Record<string, unknown>> & { readonly name: string }
  readonly order: readonly string[]
  readonly triggerEvent: string
  readonly exitEvent: string | undefined
  /** Every event name the version acts on: trigger, exit, and the events its steps wait for. */
  readonly listens: readonly string[]
  readonly entry: string
}

export type Validation = { readonly ok: true, readonly flow: ValidFlow } | { readonly ok: false, readonly errors: readonly unknown[] }

export interface FlowCatalogDeps {
  readonly db: Database
  readonly validate: (input: unknown) => Validation
  readonly compile: (definition: unknown, order: readonly string[]) => FlowRuntime
  /** Told the event names that start a run now, whenever they may have changed. */
  readonly onEventNamesChanged: (names: readonly string[]) => void
}

/** The flow's id is not known, or not at that version. */
export class FlowNotFoundError extends Error {
  constructor (readonly flowId: string, readonly version?: number) {
    super(version === undefined ? `No flow has id ${JSON.stringify(flowId)}` : `Flow ${JSON.stringify(flowId)} has no version ${version}`)
    this.name = 'FlowNotFoundError'
  }
}

/** The definition failed validation; `errors` says where and why. */
export class FlowInvalidError extends Error {
  constructor (readonly errors: readonly unknown[]) {
    super(`The flow definition is invalid (${errors.length} error${errors.length === 1 ? '' : 's'})`)
    this.name = 'FlowInvalidError'
  }
}

interface FlowRecord {
  id: string
  name: string
  latest_version: number
  enabled: boolean
  archived_at: Date | string | null
  created_at: Date | string
  updated_at: Date | string
  entry: string
  trigger_event: string
}

const iso = (value: Date | string): string => new Date(value).toISOString()

/**
 * Flows and their versions. A version is never changed once saved: runs stay pinned to the one
 * they started on, and compiled versions are kept (bounded) so a step does not re-parse its flow.
 */
export class FlowCatalog {
  readonly #deps: FlowCatalogDeps
  readonly #runtimes = new Map<string, FlowRuntime>()
  static readonly maxRuntimes = 2000

  constructor (deps: FlowCatalogDeps) {
    this.#deps = deps
  }

  validate (input: unknown): ValidFlow {
    const result = this.#deps.validate(input)
    if (!result.ok) throw new FlowInvalidError(result.errors)
    return result.flow
  }

  async runtimeOf (flowId: string, version: number, tx: Queryable = this.#deps.db): Promise<FlowRuntime> {
    const key = `${flowId}\u0000${version}`
    const cached = this.#runtimes.get(key)
    if (cached !== undefined) return cached
    const { rows } = await tx.query<{ definition: unknown, step_order: string[] }>('SELECT definition, step_order FROM journeys.flow_versions WHERE flow_id = $1 AND version = $2', [flowId, version])
    const row = rows[0]
    if (row === undefined) throw new FlowNotFoundError(flowId, version)
    const runtime = this.#deps.compile(row.definition, row.step_order)
    if (this.#runtimes.size >= FlowCatalog.maxRuntimes) this.#runtimes.delete(this.#runtimes.keys().next().value ?? key)
    this.#runtimes.set(key, runtime)
    return runtime
  }

  async flowsTriggeredBy (tx: Queryable, eventName: string): Promise<TriggeredFlow[]> {
    const { rows } = await tx.query<{ id: string, latest_version: number, enabled: boolean }>(`
      SELECT f.id, f.latest_version, f.enabled FROM journeys.flows f
      JOIN journeys.flow_versions v ON v.flow_id = f.id AND v.version = f.latest_version
      WHERE v.trigger_event = $1 AND f.archived_at IS NULL ORDER BY f.created_at, f.id`, [eventName])
    const flows: TriggeredFlow[] = []
    for (const row of rows) flows.push({ flowId: row.id, version: row.latest_version, enabled: row.enabled, runtime: await this.runtimeOf(row.id, row.latest_version, tx) })
    return flows
  }

  /**
   * The event names some flow may act on: whatever any version of a live flow triggers on, exits on
   * or waits for, and the same for archived flows that still have runs. It errs on the side of
   * more (a name listed for nothing costs one call to the engine), never of fewer: a write whose
   * name is missing here would be forwarded without its trigger, exit or wait ever seeing it.
   */
  async eventNames (): Promise<string[]> {
    const { rows } = await this.#deps.db.query<{ name: string }>(`
      SELECT DISTINCT unnest(v.listens) AS name FROM journeys.flows f JOIN journeys.flow_versions v ON v.flow_id = f.id
      WHERE f.archived_at IS NULL OR EXISTS (SELECT 1 FROM journeys.runs r WHERE r.flow_id = f.id AND r.ended_at IS NULL) ORDER BY 1`)
    return rows.map((row) => row.name)
  }

  async #changed (): Promise<void> {
    // The other processes on the database read the names again too.
    await notifyFlowsChanged(this.#deps.db)
    this.#deps.onEventNamesChanged(await this.eventNames())
  }

  async create (input: unknown, id: string = randomUUID()): Promise<FlowDetail> {
    const flow = this.validate(input)
    await this.#deps.db.transaction(async (tx) => {
      await tx.query('INSERT INTO journeys.flows (id, name, latest_version) VALUES ($1, $2, 1)', [id, flow.definition.name])
      await this.#insertVersion(tx, id, 1, flow)
    })
    await this.#changed()
    return this.get(id)
  }

  async update (id: string, input: unknown): Promise<FlowDetail> {
    const flow = this.validate(input)
    await this.#deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ latest_version: number }>('SELECT latest_version FROM journeys.flows WHERE id = $1 AND archived_at IS NULL FOR UPDATE', [id])
      const current = rows[0]
      if (current === undefined) throw new FlowNotFoundError(id)
      const version = current.latest_version + 1
      await this.#insertVersion(tx, id, version, flow)
      await tx.query('UPDATE journeys.flows SET latest_version = $2, name = $3, updated_at = now() WHERE id = $1', [id, version, flow.definition.name])
    })
    await this.#changed()
    return this.get(id)
  }

  async #insertVersion (tx: Queryable, id: string, version: number, flow: ValidFlow): Promise<void> {
    await tx.query('INSERT INTO journeys.flow_versions (flow_id, version, definition, step_order, trigger_event, exit_event, listens) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [id, version, JSON.stringify(flow.definition), JSON.stringify(flow.order), flow.triggerEvent, flow.exitEvent ?? null, [...flow.listens]])
  }

  async setEnabled (id: string, enabled: boolean): Promise<FlowDetail> {
    const { rows } = await this.#deps.db.query('UPDATE journeys.flows SET enabled = $2, updated_at = now() WHERE id = $1 AND archived_at IS NULL RETURNING id', [id, enabled])
    if (rows.length === 0) throw new FlowNotFoundError(id)
    await this.#changed()
    return this.get(id)
  }

  /** Archives a flow: no new run starts; its active runs go on unless the caller cancels them. */
  async archive (id: string): Promise<void> {
    const { rows } = await this.#deps.db.query('UPDATE journeys.flows SET archived_at = now(), updated_at = now() WHERE id = $1 AND archived_at IS NULL RETURNING id', [id])
    if (rows.length === 0) throw new FlowNotFoundError(id)
    await this.#changed()
  }

  async count (): Promise<number> {
    const { rows } = await this.#deps.db.query<{ n: string }>('SELECT count(*) AS n FROM journeys.flows')
    return Number(rows[0]?.n ?? 0)
  }

  async #runCounts (ids: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const counts = new Map<string, Record<string, number>>()
    if (ids.length === 0) return counts
    const { rows } = await this.#deps.db.query<{ flow_id: string, status: string, n: string }>('SELECT flow_id, status, count(*) AS n FROM journeys.runs WHERE flow_id = ANY($1) GROUP BY flow_id, status', [[...ids]])
    for (const row of rows) counts.set(row.flow_id, { ...counts.get(row.flow_id), [row.status]: Number(row.n) })
    return counts
  }

  #summary (row: FlowRecord, runs: Record<string, number> | undefined): FlowSummary {
    return {
      id: row.id,
      name: row.name,
      version: row.latest_version,
      enabled: row.enabled,
      archived: row.archived_at !== null,
      entry: row.entry,
      trigger: row.trigger_event,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      runs: runs ?? {}
    }
  }

  // A definition stored without `entry` has the default policy, once-per-event: the summary says so rather than null.
  async list (options: { readonly includeArchived?: boolean } = {}): Promise<FlowSummary[]> {
    const { rows } = await this.#deps.db.query<FlowRecord>(`
      SELECT f.*, COALESCE(v.definition->>'entry', 'once-per-event') AS entry, v.trigger_event FROM journeys.flows f
      JOIN journeys.flow_versions v ON v.flow_id = f.id AND v.version = f.latest_version
      WHERE $1 OR f.archived_at IS NULL ORDER BY f.created_at, f.id LIMIT 1000`, [options.includeArchived === true])
    const counts = await this.#runCounts(rows.map((row) => row.id))
    return rows.map((row) => this.#summary(row, counts.get(row.id)))
  }

  async get (id: string, version?: number): Promise<FlowDetail> {
    const { rows } = await this.#deps.db.query<FlowRecord & { definition: unknown, step_order: string[], shown_version: number }>(`
      SELECT f.*, v.definition, v.step_order, v.version AS shown_version, COALESCE(v.definition->>'entry', 'once-per-event') AS entry, v.trigger_event FROM journeys.flows f
      JOIN journeys.flow_versions v ON v.flow_id = f.id AND v.version = COALESCE($2, f.latest_version)
      WHERE f.id = $1`, [id, version ?? null])
    const row = rows[0]
    if (row === undefined) throw new FlowNotFoundError(id, version)
    const counts = await this.#runCounts([id])
    return { ...this.#summary(row, counts.get(id)), shownVersion: row.shown_version, definition: row.definition, order: row.step_order }
  }
}
