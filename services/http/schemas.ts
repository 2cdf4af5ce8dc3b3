/** JSON schemas shared by every area's routes: bounded primitives and the problem body, defined once. */

/** Ids are opaque strings; event.com's numeric ids arrive here already turned into strings. */
export const idSchema = { type: 'string', minLength: 1, maxLength: 256 } as const

export const maxPageLimit = 10_000
export const defaultPageLimit = 1000

/**
 * `limit` is checked as text: Ajv's coercion turns "Infinity" and "1e400" into Infinity, which then
 * passes `integer`, `minimum` and `maximum` alike. Decimal digits only, 1 to 10000.
 */
export const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: `^(?:[1-9][0-9]{0,3}|${maxPageLimit})$`, default: String(defaultPageLimit), description: `Page size, 1 to ${maxPageLimit}` },
    cursor: { type: 'string', minLength: 1, maxLength: 64, description: 'Where the page starts, from the previous page\'s Link header' }
  }
} as const

export interface PageQuery {
  limit: string
  cursor?: string
}

/** The store's page request for a validated query. */
export function pageRequest (query: PageQuery): { limit: number, cursor: string | undefined } {
  return { limit: Number(query.limit), cursor: query.cursor }
}

/** RFC 9457 problem details, with the gateway's stable `code` and the failing `field` for validation errors. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    outcome: { type: 'string', enum: ['not-forwarded', 'upstream-failed', 'outcome-unknown'] },
    requestId: { type: 'string' },
    field: { type: 'string' },
    errors: {
      type: 'array',
      description: 'For GW_ERR_FLOW_INVALID: every error found, each with its code and its path in the definition',
      items: { type: 'object', additionalProperties: true }
    }
  }
} as const

/** The problem body of a route that forwards writes: it always says what became of the write. */
export const writeProblemSchema = {
  ...problemSchema,
  required: ['type', 'title', 'status', 'detail', 'code', 'outcome', 'requestId']
} as const
