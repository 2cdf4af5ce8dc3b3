/** JSON schemas shared by the routes: bounded primitives defined once. */

/** Ids are opaque strings; event.com's numeric ids arrive here already turned into strings. */
export const idSchema = { type: 'string', minLength: 1, maxLength: 256 } as const

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

export const maxPageLimit = 10_000
export const defaultPageLimit = 1000

export const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: maxPageLimit, default: defaultPageLimit },
    cursor: { type: 'string', minLength: 1, maxLength: 64 }
  }
} as const

export interface PageQuery {
  limit: number
  cursor?: string
}

/** RFC 9457 problem details, with the gateway's stable `code` and the failing `field` for validation errors. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'outcome', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    outcome: { type: 'string', enum: ['not-forwarded', 'upstream-failed', 'outcome-unknown'] },
    requestId: { type: 'string' },
    field: { type: 'string' }
  }
} as const

export const errorResponses = {
  '4xx': problemSchema,
  '5xx': problemSchema
} as const
