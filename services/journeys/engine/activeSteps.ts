import type { Queryable } from './database/database.js'

/** How many of a flow's active runs are at a step now: running (or queued for an attempt) and waiting (a timer or an event). */
export interface StepCounts {
  readonly running: number
  readonly waiting: number
}

/**
 * A flow's active runs, counted by the step they are at, by step id (of every version: a run in
 * flight stays on the version it started on). A step no active run is at is left out; undefined
 * when no flow has the id (an archived flow still has one).
 */
export async function activeSteps (db: Queryable, flowId: string): Promise<Record<string, StepCounts> | undefined> {
  const flows = await db.query('SELECT 1 FROM journeys.flows WHERE id = $1', [flowId])
  if (flows.rows.length === 0) return undefined
  const { rows } = await db.query<{ step_id: string, running: string, waiting: string }>(`
    SELECT s.step_id,
      count(*) FILTER (WHERE s.status IN ('running', 'queued')) AS running,
      count(*) FILTER (WHERE s.status = 'waiting') AS waiting
    FROM journeys.runs r JOIN journeys.run_steps s ON s.run_id = r.id
    WHERE r.flow_id = $1 AND r.ended_at IS NULL AND s.status IN ('running', 'queued', 'waiting')
    GROUP BY s.step_id ORDER BY s.step_id`, [flowId])
  return Object.fromEntries(rows.map((row) => [row.step_id, { running: Number(row.running), waiting: Number(row.waiting) }]))
}
