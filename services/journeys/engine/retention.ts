import type { Logger } from 'pino'
import type { Database } from './database/database.js'

const batch = 500

/**
 * Every process runs the retention; one at a time does the deleting. Each batch takes this lock
 * for its transaction and a pass that finds it taken stops: another process is at it, and
 * deleting the same rows side by side would only wait on each other's row locks.
 */
async function deleteBatch (db: Database, sql: string, params: readonly unknown[]): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const { rows: [lock] } = await tx.query<{ held: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS held', ['journeys-retention'])
    if (lock?.held !== true) return undefined
    const { rows } = await tx.query(sql, params)
    return rows.length
  })
}

/**
 * Deletes finished runs (their steps, attempts and waits go with them) and trigger events older
 * than the retention (counted back from `now`, the engine's clock), a batch per transaction so the engine is never stalled for long. Entry keys
 * of `once` flows are never deleted: once means once, ever. Resolves with how many were deleted
 * (none when another process holds the retention's lock).
 */
export async function pruneFinished (db: Database, retentionDays: number, now: Date, log: Logger): Promise<{ runs: number, events: number }> {
  const before = new Date(now.getTime() - retentionDays * 86_400_000)
  let runs = 0
  let events = 0
  for (;;) {
    const deleted = await deleteBatch(db, `
      DELETE FROM journeys.runs WHERE id IN (
        SELECT id FROM journeys.runs WHERE ended_at < $1 ORDER BY ended_at LIMIT $2
      ) RETURNING id`, [before, batch])
    if (deleted === undefined) return { runs, events }
    runs += deleted
    if (deleted < batch) break
  }
  for (;;) {
    const deleted = await deleteBatch(db, `
      DELETE FROM journeys.trigger_events WHERE id IN (
        SELECT e.id FROM journeys.trigger_events e WHERE e.received_at < $1
          AND NOT EXISTS (SELECT 1 FROM journeys.runs r WHERE r.event_id = e.id) ORDER BY e.received_at LIMIT $2
      ) RETURNING id`, [before, batch])
    if (deleted === undefined) return { runs, events }
    events += deleted
    if (deleted < batch) break
  }
  const rest = await deleteBatch(db, `
    WITH orphans AS (DELETE FROM journeys.event_runs er WHERE NOT EXISTS (SELECT 1 FROM journeys.runs r WHERE r.id = er.run_id)),
      minutes AS (DELETE FROM journeys.event_counts WHERE minute < $1)
    DELETE FROM journeys.event_counts_hourly WHERE hour < $1`, [before])
  if (rest === undefined) return { runs, events }
  if (runs + events > 0) log.info({ runs, events, retentionDays }, 'retention: deleted finished runs and old trigger events')
  return { runs, events }
}
