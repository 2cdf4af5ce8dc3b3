import { errorDefinitions } from './errors.js'
import type { ErrorCode } from './errors.js'
import { problemSchema, writeProblemSchema } from './schemas.js'

type HeaderSchemas = Readonly<Record<string, Readonly<Record<string, unknown>>>>

/** The response headers the gateway sends, as the OpenAPI document describes them. */
export const responseHeaders = {
  requestId: { 'x-request-id': { type: 'string', description: 'The request\'s id: the client\'s x-request-id when acceptable, otherwise a new UUID; also in every log line and problem' } },
  retryAfter: { 'retry-after': { type: 'integer', minimum: 1, description: 'Whole seconds to wait before retrying' } },
  rateLimit: {
    'ratelimit-policy': { type: 'string', description: 'The client\'s quota, e.g. "writes";q=3000;w=60 (IETF httpapi RateLimit draft)' },
    ratelimit: { type: 'string', description: 'What remains of it, e.g. "writes";r=2999;t=60' }
  },
  link: { link: { type: 'string', description: 'The next page, as <…>; rel="next" (RFC 8288); absent on the last page' } },
  idempotentReplayed: { 'idempotent-replayed': { type: 'string', enum: ['true'], description: 'This 201 is the stored answer to an earlier request with the same Idempotency-Key' } },
  readConsistency: { 'read-consistency': { type: 'string', enum: ['stale'], description: 'With the shared store: this read could not be checked against the writes of the other instances (Redis slow or away) and shows what this instance holds' } },
  wwwAuthenticate: { 'www-authenticate': { type: 'string', enum: ['Bearer'], description: 'The scheme the admin routes need' } }
} as const satisfies Record<string, HeaderSchemas>

export interface ResponseOptions {
  /** Headers beyond x-request-id. */
  readonly headers?: HeaderSchemas
}

/** A success response: `schema` with its description, and the headers it carries (x-request-id always). */
export function success<S extends Readonly<Record<string, unknown>>> (description: string, schema: S, options: ResponseOptions = {}): S & { description: string, headers: HeaderSchemas } {
  return { ...schema, description, headers: { ...responseHeaders.requestId, ...options.headers } }
}

export interface ProblemOptions extends ResponseOptions {
  /** The route forwards writes: its problems always carry `outcome`. */
  readonly writes?: boolean
  /** The route is rate limited: its answers carry the RateLimit fields. */
  readonly limited?: boolean
}

/**
 * One problem+json response per status for the codes a route can answer, each describing its
 * codes and headers (Retry-After where a retry may be told when to come back).
 */
export function problems (codes: readonly ErrorCode[], options: ProblemOptions = {}): Record<number, unknown> {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of codes) {
    const { status } = errorDefinitions[code]
    byStatus.set(status, [...byStatus.get(status) ?? [], code])
  }
  const schema = options.writes === true ? writeProblemSchema : problemSchema
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, statusCodes]) => [status, {
    description: statusCodes.map((code) => `${code}: ${errorDefinitions[code].title}`).join('; '),
    headers: {
      ...responseHeaders.requestId,
      ...(status === 409 || status === 429 || status === 503) && responseHeaders.retryAfter,
      ...options.limited === true && responseHeaders.rateLimit,
      ...status === 401 && responseHeaders.wwwAuthenticate,
      ...options.headers
    },
    content: { 'application/problem+json': { schema } }
  }]))
}
