import { afterAll, describe, expect, it } from 'vitest'
import { migrate, migrations } from '../../../../../services/journeys/engine/database/migrations.js'
import { openPglite } from '../../../../../services/journeys/engine/database/pgliteDatabase.js'
import { openPostgres } from '../../../../../services/journeys/engine/database/postgresDatabase.js'
import type { Database } from '../../../../../services/journeys/engine/database/database.js'
import { backends, createPostgresDatabase } from '../../../../helpers/journeyDatabases.js'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => { for (const cleanup of cleanups.reverse()) await cleanup() })

async function open (backend: string): Promise<Database> {
  if (backend === 'pglite') {
    const db = await openPglite('memory://')
    cleanups.push(() => db.close())
    return db
  }
  const created = await createPostgresDatabase()
  const db = openPostgres(created.url)
  cleanups.push(created.drop, () => db.close())
  return db
}

describe.each(backends)('migrations on %s', (backend) => {
  it('create the schema once, however many times they run, and say its version', async () => {
    const db = await open(backend)
    expect(await migrate(db)).toBe(migrations.length)
    expect(await migrate(db)).toBe(migrations.length)
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM journeys.migrations')
    expect(Number(rows[0]?.n)).toBe(migrations.length)
    const tables = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'journeys' ORDER BY 1`)
    expect(tables.rows.map((row) => row.table_name)).toEqual(['entries', 'event_counts', 'event_counts_hourly', 'event_runs', 'flow_versions', 'flows', 'migrations', 'run_steps', 'runs', 'step_attempts', 'trigger_events', 'waits'])
  }, 60_000)

  it('roll a transaction back when its work fails', async () => {
    const db = await open(backend)
    await migrate(db)
    await expect(db.transaction(async (tx) => {
      await tx.query(`INSERT INTO journeys.entries (flow_id, user_id, run_id) VALUES ('f', 'u', 'r')`)
      throw new Error('undo')
    })).rejects.toThrow('undo')
    const { rows } = await db.query('SELECT * FROM journeys.entries')
    expect(rows).toEqual([])
  }, 60_000)
})
