/** The journeys API's shapes, for validation, serialisation and the OpenAPI document. */

const text = (maxLength: number): { type: 'string', minLength: 1, maxLength: number } => ({ type: 'string', minLength: 1, maxLength })

export const triggerEventBodySchema = {
  type: 'object',
  required: ['name', 'userId'],
  additionalProperties: false,
  properties: {
    id: { ...text(256), description: 'The event\'s own id: a repeat with the same id replays the first answer and starts nothing' },
    name: text(256),
    userId: { anyOf: [text(256), { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }] },
    email: { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'Overrides the user\'s stored email for this event\'s runs' },
    properties: { type: 'object', additionalProperties: true, maxProperties: 200 },
    // A pattern, not `format`: the request validators carry no format plugin. The handler checks it is a real date.
    occurredAt: { type: 'string', maxLength: 64, pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$', description: 'An ISO 8601 date-time with a time zone' }
  }
} as const

export interface TriggerEventBody {
  id?: string
  name: string
  userId: string | number
  email?: string
  properties?: Record<string, unknown>
  occurredAt?: string
}

const startedRun = {
  type: 'object',
  required: ['runId', 'flowId', 'flowVersion'],
  properties: { runId: { type: 'string' }, flowId: { type: 'string' }, flowVersion: { type: 'integer' } }
} as const

const skippedFlow = {
  type: 'object',
  required: ['flowId', 'reason'],
  properties: { flowId: { type: 'string' }, reason: { type: 'string', enum: ['already-entered', 'disabled'] } }
} as const

export const triggerAnswerSchema = {
  type: 'object',
  required: ['eventId', 'runs', 'skipped', 'exited'],
  properties: {
    eventId: { type: 'string' },
    runs: { type: 'array', items: startedRun, description: 'The runs the event started' },
    skipped: { type: 'array', items: skippedFlow, description: 'Flows it triggers that started no run, and why' },
    exited: { type: 'array', items: { type: 'string' }, description: 'Ids of the runs it ended by their exit rule' }
  }
} as const

export const flowSummarySchema = {
  type: 'object',
  required: ['id', 'name', 'version', 'enabled', 'archived', 'entry', 'trigger', 'createdAt', 'updatedAt', 'runs'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'integer', description: 'The newest version' },
    enabled: { type: 'boolean' },
    archived: { type: 'boolean' },
    entry: { type: 'string', enum: ['once', 'once-per-event', 'always'] },
    trigger: { type: 'string', description: 'The event name that starts a run' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    runs: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Runs of every version, by status' }
  }
} as const

export const flowDetailSchema = {
  ...flowSummarySchema,
  required: [...flowSummarySchema.required, 'shownVersion', 'definition', 'order'],
  properties: {
    ...flowSummarySchema.properties,
    shownVersion: { type: 'integer', description: 'The version this definition is' },
    definition: { type: 'object', additionalProperties: true, description: 'The definition as submitted, with its entry policy filled in when it gave none' },
    order: { type: 'array', items: { type: 'string' }, description: 'The steps in topological order' }
  }
} as const

export const flowStepsSchema = {
  type: 'object',
  required: ['steps'],
  properties: {
    steps: {
      type: 'object',
      description: 'By step id (of any version), how many active runs are at the step: running (or queued for an attempt) and waiting; a step no run is at is left out',
      additionalProperties: {
        type: 'object',
        required: ['running', 'waiting'],
        properties: { running: { type: 'integer', minimum: 0 }, waiting: { type: 'integer', minimum: 0 } }
      }
    }
  }
} as const

export const validationSchema = {
  type: 'object',
  required: ['valid', 'order'],
  properties: { valid: { type: 'boolean', enum: [true] }, order: { type: 'array', items: { type: 'string' } } }
} as const

export const runSummarySchema = {
  type: 'object',
  required: ['id', 'flowId', 'flowVersion', 'userId', 'eventId', 'status', 'startedAt'],
  properties: {
    id: { type: 'string' },
    flowId: { type: 'string' },
    flowVersion: { type: 'integer' },
    userId: { type: 'string' },
    eventId: { type: 'string' },
    status: { type: 'string', enum: ['running', 'waiting', 'completed', 'failed', 'cancelled', 'exited'] },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' }
  }
} as const

const attemptSchema = {
  type: 'object',
  required: ['n', 'startedAt'],
  properties: {
    n: { type: 'integer' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    outcome: { type: 'string', description: 'succeeded, retry, permanent, cancelled or interrupted (the process stopped mid-call)' },
    status: { type: 'integer', description: 'The destination\'s HTTP status, when it answered' },
    error: { type: 'string' }
  }
} as const

export const runDetailSchema = {
  ...runSummarySchema,
  required: [...runSummarySchema.required, 'steps'],
  properties: {
    ...runSummarySchema.properties,
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'type', 'status', 'attempts'],
        properties: {
          id: { type: 'string' },
          type: { type: 'string' },
          status: { type: 'string', enum: ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled'] },
          branch: { type: 'string', enum: ['then', 'else'] },
          wakeAt: { type: 'string', format: 'date-time', description: 'When a waiting step fires next' },
          nextAttemptAt: { type: 'string', format: 'date-time', description: 'When a step retrying after a failure is attempted again' },
          attempts: { type: 'array', items: attemptSchema }
        }
      }
    }
  }
} as const

export const eventDetailSchema = {
  type: 'object',
  required: ['id', 'name', 'userId', 'source', 'state', 'properties', 'receivedAt', 'runs', 'skipped', 'exited'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    userId: { type: 'string' },
    source: { type: 'string', enum: ['api', 'addEvent'] },
    state: { type: 'string', enum: ['recorded', 'pending', 'discarded'] },
    properties: { type: 'object', additionalProperties: true },
    occurredAt: { type: 'string', format: 'date-time' },
    receivedAt: { type: 'string', format: 'date-time' },
    runs: { type: 'array', items: runSummarySchema },
    skipped: { type: 'array', items: skippedFlow },
    exited: { type: 'array', items: { type: 'string' }, description: 'Ids of the runs it ended by their exit rule' }
  }
} as const

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: text(256) }
} as const

/** An ISO 8601 date-time with a time zone, as query text; a pattern, since the validators carry no format plugin. */
export const dateTimeQuerySchema = {
  type: 'string',
  maxLength: 64,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'An ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00Z'
} as const

const count = { type: 'integer', minimum: 0 } as const

export const analyticsSchema = {
  type: 'object',
  required: ['from', 'to', 'bucket', 'events', 'runs', 'flows', 'steps', 'stepsOverTime'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    bucket: { type: 'string', enum: ['minute', 'hour', 'day'] },
    events: {
      type: 'array',
      description: 'Recorded trigger events per bucket (its start, UTC) and name, in bucket order; empty buckets are left out',
      items: { type: 'object', required: ['bucket', 'name', 'count'], properties: { bucket: { type: 'string', format: 'date-time' }, name: { type: 'string' }, count } }
    },
    runs: {
      type: 'object',
      required: ['byStatus'],
      properties: { byStatus: { type: 'object', additionalProperties: count, description: 'Runs started in the window, by their status now' } }
    },
    flows: {
      type: 'array',
      description: 'Per flow, the runs started in the window, most started first',
      items: {
        type: 'object',
        required: ['flowId', 'started', 'completed', 'failed', 'exited', 'completionRate'],
        properties: {
          flowId: { type: 'string' },
          name: { type: 'string' },
          started: count,
          completed: count,
          failed: count,
          exited: count,
          completionRate: { type: 'number', minimum: 0, maximum: 1, description: 'completed / started' }
        }
      }
    },
    steps: {
      type: 'array',
      description: 'Per step type, the attempts started in the window',
      items: {
        type: 'object',
        required: ['type', 'ok', 'failed'],
        properties: {
          type: { type: 'string' },
          ok: { ...count, description: 'Attempts that succeeded' },
          failed: { ...count, description: 'Attempts that failed, retried after or failed for good' },
          p50Ms: { type: 'number', description: 'Median duration of those attempts, in milliseconds' },
          p95Ms: { type: 'number', description: '95th percentile of their durations, in milliseconds' }
        }
      }
    },
    stepsOverTime: {
      type: 'array',
      description: 'The attempts started in the window per bucket (its start, UTC), counted as in steps, in bucket order; empty buckets are left out',
      items: {
        type: 'object',
        required: ['bucket', 'ok', 'failed'],
        properties: {
          bucket: { type: 'string', format: 'date-time' },
          ok: { ...count, description: 'Attempts that succeeded' },
          failed: { ...count, description: 'Attempts that failed, retried after or failed for good' }
        }
      }
    }
  }
} as const
