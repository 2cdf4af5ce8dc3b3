import pg from 'pg'
import type { Database, Queryable } from './database.js'

export interface PostgresDatabase extends Database {
  readonly kind: 'postgres'
  readonly connectionString: string
}

function queryable (target: pg.Pool | pg.PoolClient): Queryable {
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see Queryable
    query: async <T>(sql: string, params: readonly unknown[] = []) => {
      const result = await target.query(sql, [...params])
      return { rows: result.rows as T[] }
    }
  }
}

/** Longest wait for a new connection to the server, in milliseconds. */
export const connectTimeoutMs = 5000

/** A PostgreSQL server through a small pool; the same SQL as the embedded database. */
export function openPostgres (connectionString: string, options: { readonly max?: number } = {}): PostgresDatabase {
  // A server that does not answer fails a query within seconds rather than holding it forever.
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, application_name: 'event-gateway journeys', connectionTimeoutMillis: connectTimeoutMs })
  // A connection the server dropped is replaced on the next query; without a listener the error would end the process.
  pool.on('error', () => undefined)
  return {
    kind: 'postgres',
    connectionString,
    ...queryable(pool),
    async transaction (work) {
      const client = await pool.connect()
      // A connection lost mid-transaction is an 'error' event on the client checked out (the pool
      // listens only to idle ones): unheard, it would end the thread. The query in progress
      // rejects anyway, and the pool drops the broken client on release.
      const lost = (): void => undefined
      client.on('error', lost)
      try {
        await client.query('BEGIN')
        const result = await work(queryable(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        client.off('error', lost)
        client.release()
      }
    },
    close: () => pool.end()
  }
}
