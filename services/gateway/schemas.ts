/** The gateway's own shapes: events, users and the breaker in front of event.com. */

export const eventSchema = {
  type: 'object',
  required: ['id', 'name', 'userId'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    userId: { type: 'string' },
    details: { type: 'string' }
  }
} as const

export const userSchema = {
  type: 'object',
  required: ['id', 'userName', 'email', 'events'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    userName: { type: 'string' },
    email: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } }
  }
} as const

/** The breaker as /health and the admin routes show it. */
export const breakerSnapshotSchema = {
  type: 'object',
  required: ['state', 'consecutiveFailures', 'attempt'],
  properties: {
    state: { type: 'string' },
    consecutiveFailures: { type: 'integer' },
    attempt: { type: 'integer' },
    openedAt: { type: 'string' },
    retryAfterMs: { type: 'integer' }
  }
} as const
