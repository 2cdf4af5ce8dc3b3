import { PgBoss, fromPglite } from 'pg-boss'
import type { Db, Job } from 'pg-boss'
import type { Queryable } from './database/database.js'
import type { PgliteDatabase } from './database/pgliteDatabase.js'
import { connectTimeoutMs } from './database/postgresDatabase.js'
import type { PostgresDatabase } from './database/postgresDatabase.js'

/** The one queue of step work. */
export const stepQueueName = 'journeys-step'

/**
 * Most jobs a worker fetches at once. Its batch ends when its slowest job does, so a slow
 * destination holds up to this many slots; larger batches fetch less often.
 */
const maxBatch = 4

/**
 * What a job asks for: run a step's call (`run`), end a wait (`wake`), or end a waitForEvent that
 * timed out (`timeout`). The step row holds the id of the one job it expects; any other is stale.
 */
export interface StepJob {
  readonly runId: string
  readonly stepId: string
  readonly kind: 'run' | 'wake' | 'timeout'
}

export interface ScheduledJob {
  /** Chosen by the caller, so the step row can name it in the same transaction. */
  readonly id: string
  readonly data: StepJob
  readonly startAfter?: Date
}

export interface QueueDepth {
  /** Ready to run now. */
  readonly ready: number
  /** Waiting for their time (waits, retries, timeouts). */
  readonly deferred: number
  readonly active: number
}

export interface StepQueue {
  /** Schedules jobs in the caller's transaction: they exist only if it commits. */
  schedule: (tx: Queryable, jobs: readonly ScheduledJob[]) => Promise<void>
  /** Removes jobs that have not run (a cancelled or exited run's timers and retries), in the caller's transaction. */
  remove: (tx: Queryable, ids: readonly string[]) => Promise<void>
  /** Starts taking jobs: `handle` gets each one; a rejection leaves it to pg-boss to retry. */
  work: (handle: (job: Job<StepJob>) => Promise<void>) => Promise<void>
  depth: () => Promise<QueueDepth>
  /** Stops taking jobs and waits at most `timeoutMs` for those running. */
  stop: (timeoutMs: number) => Promise<void>
}

export interface StepQueueOptions {
  /** Steps this process runs at once. */
  readonly concurrency: number
  /** A job left active by a process that died is taken again after this, in milliseconds. */
  readonly recoveryMs: number
  readonly onError?: (error: Error) => void
}

function adapter (tx: Queryable): Db {
  return { executeSql: (text: string, values?: unknown[]) => tx.query(text, values ?? []) }
}

/**
 * pg-boss on the engine's database: PGlite through its in-process adapter, PostgreSQL through its
 * own pool; LISTEN/NOTIFY on both, so an idle engine picks a new job up in milliseconds. pg-boss's
 * own retries only ever redeliver a job whose worker died (expiry) or failed unexpectedly: step
 * retries are the engine's, with their own backoff.
 */
export async function startStepQueue (db: PgliteDatabase | PostgresDatabase, options: StepQueueOptions): Promise<StepQueue> {
  const common = {
    useListenNotify: true,
    schedule: false,
    // Expired jobs (a dead worker's) are found by the monitor: every few seconds, not every minute.
    superviseIntervalSeconds: 2,
    monitorIntervalSeconds: 2,
    queueCacheIntervalSeconds: 5
  }
  const boss = db.kind === 'pglite'
    ? new PgBoss({ ...common, backend: 'pglite', db: fromPglite(db.pglite) })
    : new PgBoss({ ...common, connectionString: db.connectionString, max: 10, connectionTimeoutMillis: connectTimeoutMs, application_name: 'event-gateway journeys queue' })
  boss.on('error', (error: Error) => { options.onError?.(error) })
  await boss.start()
  await boss.createQueue(stepQueueName, {
    notify: true,
    expireInSeconds: Math.ceil(options.recoveryMs / 1000),
    retryLimit: 20,
    retryDelay: 1,
    // A wait may last a year; completed jobs are dropped soon: the run log is the engine's own.
    retentionSeconds: 400 * 86_400,
    deleteAfterSeconds: 3600
  })

  return {
    async schedule (tx, jobs) {
      if (jobs.length === 0) return
      await boss.insert(stepQueueName, jobs.map((job) => ({
        id: job.id,
        data: job.data,
        ...(job.startAfter !== undefined && { startAfter: job.startAfter })
      })), { db: adapter(tx) })
    },
    async remove (tx, ids) {
      if (ids.length === 0) return
      await boss.deleteJob(stepQueueName, [...ids], { db: adapter(tx) })
    },
    async work (handle) {
      // A worker that fetched one job waits out the poll interval (0.5 s) before its next fetch
      // unless a NOTIFY comes meanwhile, so one job per worker capped a backlog at 2 jobs a second
      // per worker (32/s). Batches that come back full are fetched again at once (burst), and each
      // job of a batch is settled on its own.
      const workers = Math.ceil(options.concurrency / maxBatch)
      await boss.work<StepJob>(stepQueueName, {
        batchSize: Math.floor(options.concurrency / workers),
        localConcurrency: workers,
        burstWhenBatchFull: true,
        perJobResults: true,
        pollingIntervalSeconds: 0.5,
        notifyPollingIntervalSeconds: 0.5
      }, (jobs) => Promise.all(jobs.map(async (job) => {
        try {
          await handle(job)
          return { id: job.id, status: 'completed' as const }
        } catch (error) {
          // Failed, so pg-boss delivers it again later, as a rejected single job was before.
          return { id: job.id, status: 'failed' as const, output: { message: error instanceof Error ? error.message : String(error) } }
        }
      })))
    },
    async depth () {
      const { rows } = await db.query<{ ready: string, deferred: string, active: string }>(`
        SELECT count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now()) AS ready,
               count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after > now()) AS deferred,
               count(*) FILTER (WHERE state = 'active') AS active
        FROM pgboss.job WHERE name = $1`, [stepQueueName])
      const row = rows[0]
      return { ready: Number(row?.ready ?? 0), deferred: Number(row?.deferred ?? 0), active: Number(row?.active ?? 0) }
    },
    async stop (timeoutMs) {
      await boss.stop({ graceful: true, timeout: timeoutMs })
    }
  }
}
