import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** Where the bench creates its PostgreSQL databases: this project's machines run PostgreSQL 15 there, trust auth. */
export const postgresServerUrl = 'postgres://root@127.0.0.1:5432/test'

/** A database the gateway starts on for the first time, and how to get rid of it. */
export interface JourneyDatabase {
  readonly kind: 'pglite' | 'postgres'
  /** DATA_DIR or DATABASE_URL for the gateway. */
  readonly env: Readonly<Record<string, string>>
  readonly drop: () => Promise<void>
}

/** A fresh, empty PGlite folder in the temporary directory: the gateway's first start runs initdb in it. */
export async function freshPglite (): Promise<JourneyDatabase> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-journeys-'))
  return { kind: 'pglite', env: { DATA_DIR: folder }, drop: () => rm(folder, { recursive: true, force: true }) }
}

async function onServer (statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresServerUrl, connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** A uniquely named, empty database on the local PostgreSQL server; dropped (connections and all) afterwards. */
export async function freshPostgres (): Promise<JourneyDatabase> {
  const name = `bench_journeys_${process.pid}_${Date.now().toString(36)}`
  await onServer(`CREATE DATABASE ${name}`)
  const url = new URL(postgresServerUrl)
  url.pathname = `/${name}`
  return { kind: 'postgres', env: { DATABASE_URL: url.href }, drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
