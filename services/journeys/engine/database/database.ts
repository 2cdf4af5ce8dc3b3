/** One row of a result, as the driver returns it. */
export type Row = Record<string, unknown>

/**
 * Anything that runs SQL: the database itself, or one transaction of it. The caller names the shape
 * of its rows, as pg's and PGlite's own `query<R>` let it: the SQL decides it, not the types.
 */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the row type is the caller's statement about its SQL
  query: <T = Row>(sql: string, params?: readonly unknown[]) => Promise<{ rows: T[] }>
}

/**
 * The engine's database: the embedded PGlite or a PostgreSQL server, behind one interface, so that
 * every query and migration is the same SQL on both.
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it rejects. */
  transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>
  close: () => Promise<void>
}
