import pg from 'pg'
import type { Logger } from 'pino'
import type { Queryable } from './database/database.js'
import { asError } from '../../../utils/asError.js'

/** A run was cancelled or exited: the process with a call of it in flight aborts the call. Payload: the run's id. */
export const runEndedChannel = 'journeys_run_ended'
/** A flow was saved, enabled, disabled or archived: every process reads the event names again. */
export const flowsChangedChannel = 'journeys_flows_changed'

/** Tells every engine on the database that these runs ended, when (and only if) the caller's transaction commits. */
export async function notifyRunsEnded (tx: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return
  await tx.query('SELECT pg_notify($1, id) FROM unnest($2::text[]) AS ids(id)', [runEndedChannel, [...runIds]])
}

export async function notifyFlowsChanged (db: Queryable): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [flowsChangedChannel, ''])
}

export interface EngineNotificationHandlers {
  readonly runEnded: (runId: string) => void
  readonly flowsChanged: () => void
  /**
   * After every (re)connection: what was sent while this listener was away is lost, so the
   * engine checks its state again (the runs it has calls in flight for, the event names).
   */
  readonly connected: () => void
}

export interface EngineNotifications {
  close: () => Promise<void>
}

/** Waits between reconnection attempts, in milliseconds. */
const reconnectMs = 1000

/**
 * One connection of its own LISTENing on the engine's channels (PostgreSQL only: on the embedded
 * database there is one process). It reconnects for as long as the engine runs, so a database
 * restart costs notifications only while it is away, and `connected` then makes up for them.
 */
export function listenEngineNotifications (connectionString: string, handlers: EngineNotificationHandlers, log: Logger): EngineNotifications {
  let client: pg.Client | undefined
  let closed = false
  let timer: NodeJS.Timeout | undefined

  const retry = (): void => {
    if (closed || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      void connect()
    }, reconnectMs)
    timer.unref()
  }

  async function connect (): Promise<void> {
    const next = new pg.Client({ connectionString, application_name: 'event-gateway journeys notifications', connectionTimeoutMillis: 5000 })
    client = next
    let lost = false
    const onLost = (error?: Error): void => {
      if (lost) return
      lost = true
      if (client === next) client = undefined
      if (!closed) log.warn({ err: error }, 'journeys notifications connection lost; reconnecting')
      next.end().catch(() => undefined)
      retry()
    }
    next.on('error', onLost)
    next.on('end', () => { onLost() })
    next.on('notification', (message) => {
      if (message.channel === runEndedChannel && message.payload !== undefined) handlers.runEnded(message.payload)
      else if (message.channel === flowsChangedChannel) handlers.flowsChanged()
    })
    try {
      await next.connect()
      await next.query(`LISTEN ${runEndedChannel}`)
      await next.query(`LISTEN ${flowsChangedChannel}`)
    } catch (error) {
      onLost(asError(error))
      return
    }
    if (closed) {
      await next.end().catch(() => undefined)
      return
    }
    handlers.connected()
  }

  void connect()
  return {
    async close () {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      await client?.end().catch(() => undefined)
    }
  }
}
