import type { Database } from './database.js'

/**
 * The engine's schema, one migration per entry, applied in order and never edited once released:
 * a change is a new entry. The same SQL runs on PGlite and on PostgreSQL 15+.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE journeys.flows (
    id text PRIMARY KEY,
    name text NOT NULL,
    latest_version integer NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE journeys.flow_versions (
    flow_id text NOT NULL REFERENCES journeys.flows (id),
    version integer NOT NULL,
    definition jsonb NOT NULL,
    step_order jsonb NOT NULL,
    trigger_event text NOT NULL,
    exit_event text,
    -- Every event name the version acts on: its trigger, its exit and what its waitForEvent steps wait for.
    listens text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, version)
  );
  CREATE INDEX flow_versions_trigger ON journeys.flow_versions (trigger_event);
  CREATE INDEX flow_versions_exit ON journeys.flow_versions (exit_event) WHERE exit_event IS NOT NULL;

  CREATE TABLE journeys.trigger_events (
    id text PRIMARY KEY,
    name text NOT NULL,
    user_id text NOT NULL,
    email text,
    properties jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,
    state text NOT NULL,
    answer jsonb
  );
  CREATE INDEX trigger_events_user ON journeys.trigger_events (user_id, name, received_at);
  CREATE INDEX trigger_events_received ON journeys.trigger_events (received_at);
  CREATE INDEX trigger_events_pending ON journeys.trigger_events (received_at) WHERE state = 'pending';

  CREATE TABLE journeys.runs (
    id text PRIMARY KEY,
    flow_id text NOT NULL,
    flow_version integer NOT NULL,
    user_id text NOT NULL,
    event_id text NOT NULL,
    status text NOT NULL,
    context jsonb NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX runs_active ON journeys.runs (user_id, flow_id) WHERE ended_at IS NULL;
  CREATE INDEX runs_flow ON journeys.runs (flow_id, started_at);
  CREATE INDEX runs_status ON journeys.runs (status);
  CREATE INDEX runs_started ON journeys.runs (started_at);
  CREATE INDEX runs_ended ON journeys.runs (ended_at) WHERE ended_at IS NOT NULL;
  CREATE INDEX runs_event ON journeys.runs (event_id);

  CREATE TABLE journeys.run_steps (
    run_id text NOT NULL REFERENCES journeys.runs (id) ON DELETE CASCADE,
    step_id text NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    branch text,
    wake_at timestamptz,
    next_attempt_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    attempt_base integer NOT NULL DEFAULT 0,
    job_id text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, step_id)
  );

  CREATE TABLE journeys.step_attempts (
    run_id text NOT NULL REFERENCES journeys.runs (id) ON DELETE CASCADE,
    step_id text NOT NULL,
    n integer NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    outcome text,
    status integer,
    error text,
    PRIMARY KEY (run_id, step_id, n)
  );

  CREATE TABLE journeys.entries (
    flow_id text NOT NULL,
    user_id text NOT NULL,
    run_id text NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, user_id)
  );

  CREATE TABLE journeys.event_runs (
    flow_id text NOT NULL,
    event_id text NOT NULL,
    run_id text NOT NULL,
    PRIMARY KEY (flow_id, event_id)
  );

  CREATE TABLE journeys.waits (
    run_id text NOT NULL REFERENCES journeys.runs (id) ON DELETE CASCADE,
    step_id text NOT NULL,
    user_id text NOT NULL,
    event_name text NOT NULL,
    PRIMARY KEY (run_id, step_id)
  );
  CREATE INDEX waits_user_event ON journeys.waits (user_id, event_name);
  `,
  // 2: the dashboard's analytics and the event list's name filter. Recorded events are also counted
  // per minute and per hour and name as they are recorded (in a few shards, so that concurrent
  // writers of one name rarely wait on one row): a month of them is then at most some 100k rows to
  // add, not every event.
  // Attempts carry their step's type, so their figures need no join.
  `
  CREATE TABLE journeys.event_counts (
    minute timestamptz NOT NULL,
    name text NOT NULL,
    shard smallint NOT NULL,
    count integer NOT NULL,
    PRIMARY KEY (minute, name, shard)
  );
  INSERT INTO journeys.event_counts (minute, name, shard, count)
    SELECT date_trunc('minute', received_at, 'UTC'), name, 0, count(*) FROM journeys.trigger_events WHERE state = 'recorded' GROUP BY 1, 2;
  CREATE TABLE journeys.event_counts_hourly (
    hour timestamptz NOT NULL,
    name text NOT NULL,
    shard smallint NOT NULL,
    count integer NOT NULL,
    PRIMARY KEY (hour, name, shard)
  );
  INSERT INTO journeys.event_counts_hourly (hour, name, shard, count)
    SELECT date_trunc('hour', received_at, 'UTC'), name, 0, count(*) FROM journeys.trigger_events WHERE state = 'recorded' GROUP BY 1, 2;
  CREATE INDEX trigger_events_name ON journeys.trigger_events (name, received_at);
  CREATE INDEX runs_started_flow_status ON journeys.runs (started_at, flow_id, status);
  DROP INDEX journeys.runs_started;
  ALTER TABLE journeys.step_attempts ADD COLUMN type text;
  UPDATE journeys.step_attempts a SET type = s.type FROM journeys.run_steps s WHERE s.run_id = a.run_id AND s.step_id = a.step_id;
  UPDATE journeys.step_attempts SET type = 'unknown' WHERE type IS NULL;
  ALTER TABLE journeys.step_attempts ALTER COLUMN type SET NOT NULL;
  CREATE INDEX step_attempts_started ON journeys.step_attempts (started_at) INCLUDE (type, outcome, ended_at);
  `,
  // 3: a flow's active runs (the runs at each of its steps), read without its finished ones.
  `
  CREATE INDEX runs_flow_active ON journeys.runs (flow_id) WHERE ended_at IS NULL;
  `
]

/** Serialises migrations across processes sharing a PostgreSQL database (any constant will do, as long as it is ours). */
const migrationLock = 4_231_067_001

/** Applies the migrations not yet applied, in one transaction; resolves with the schema version. */
export async function migrate (db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLock])
    await tx.query('CREATE SCHEMA IF NOT EXISTS journeys')
    await tx.query('CREATE TABLE IF NOT EXISTS journeys.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
    const { rows } = await tx.query<{ version: number | null }>('SELECT max(version) AS version FROM journeys.migrations')
    const applied = rows[0]?.version ?? 0
    for (let version = applied + 1; version <= migrations.length; version++) {
      for (const statement of (migrations[version - 1] ?? '').split(';').map((text) => text.trim()).filter((text) => text !== '')) {
        await tx.query(statement)
      }
      await tx.query('INSERT INTO journeys.migrations (version) VALUES ($1)', [version])
    }
    return migrations.length
  })
}
