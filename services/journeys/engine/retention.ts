import type { Logger } from 'pino'
import type { Database } from './database/database.js'

const batch = 500

/**
 * Deletes finished runs (their steps, attempts and waits go with them) and trigger events older
 * than the retention (counted back from `now`, the engine's clock), a batch per transaction so the engine is never stalled for long. Entry keys
 * of `once` flows are never deleted: once means once, ever. Resolves with how many were deleted.
 */
export async function pruneFinished (db: Database, retentionDays: number, now: Date, log: Logger): Promise<{ runs: number, events: number }> {
  const before = new Date(now.getTime() - retentionDays * 86_400_000)
  let runs = 0
  let events = 0
  for (;;) {
    const { rows } = await db.query(`
      DELETE FROM journeys.runs WHERE id IN (
        SELECT id FROM journeys.runs WHERE ended_at < $1 ORDER BY ended_at LIMIT $2
      ) RETURNING id`, [before, batch])
    runs += rows.length
    if (rows.length < batch) break
  }
  for (;;) {
    const { rows } = await db.query(`
      DELETE FROM journeys.trigger_events WHERE id IN (
        SELECT e.id FROM journeys.trigger_events e WHERE e.received_at < $1
          AND NOT EXISTS (SELECT 1 FROM journeys.runs r WHERE r.event_id = e.id) ORDER BY e.received_at LIMIT $2
      ) RETURNING id`, [before, batch])
    events += rows.length
    if (rows.length < batch) break
  }
  await db.query(`DELETE FROM journeys.event_runs er WHERE NOT EXISTS (SELECT 1 FROM journeys.runs r WHERE r.id = er.run_id)`)
  await db.query('DELETE FROM journeys.event_counts WHERE minute < $1', [before])
  await db.query('DELETE FROM journeys.event_counts_hourly WHERE hour < $1', [before])
  if (runs + events > 0) log.info({ runs, events, retentionDays }, 'retention: deleted finished runs and old trigger events')
  return { runs, events }
}
