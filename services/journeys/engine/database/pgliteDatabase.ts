import { PGlite } from '@electric-sql/pglite'
import type { Database, Queryable } from './database.js'

export interface PgliteDatabase extends Database {
  readonly kind: 'pglite'
  /** The instance itself, for pg-boss's adapter. */
  readonly pglite: PGlite
}

function queryable (target: Pick<PGlite, 'query'>): Queryable {
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see Queryable
    query: async <T>(sql: string, params: readonly unknown[] = []) => {
      const result = await target.query<T>(sql, [...params])
      return { rows: result.rows }
    }
  }
}

/**
 * The embedded database. `dataDir` is a folder (created on first use, which runs initdb: seconds),
 * or `memory://` for one that lives as long as the process. PGlite is one connection: its
 * transactions run one at a time, which is also what makes them serializable here.
 */
export async function openPglite (dataDir: string): Promise<PgliteDatabase> {
  const pglite = await PGlite.create(dataDir)
  return {
    kind: 'pglite',
    pglite,
    ...queryable(pglite),
    transaction: (work) => pglite.transaction((tx) => work(queryable(tx))),
    close: () => pglite.close()
  }
}
