import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The backends an engine suite runs on: always the embedded database; PostgreSQL too when
 * DATABASE_URL names a server (`.ci/run` sets it). Each suite gets a database of its own there,
 * created under a unique name and dropped afterwards, so suites never share state.
 */
export type Backend = 'pglite' | 'postgres'

export const backends: readonly Backend[] = process.env.DATABASE_URL === undefined || process.env.DATABASE_URL === '' ? ['pglite'] : ['pglite', 'postgres']

/** A fresh database on the server DATABASE_URL names; its URL, and the function that drops it. */
export async function createPostgresDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL
  if (server === undefined || server === '') throw new Error('DATABASE_URL is not set')
  const name = `gateway_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(server)
  url.pathname = `/${name}`
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: server })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    }
  }
}
