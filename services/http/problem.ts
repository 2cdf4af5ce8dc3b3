import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { retryAfterSeconds } from '../../utils/retryAfter.js'
import { GatewayError, InvalidFieldError, RetryableError, errorDefinitions, ownOutcome, problemType, writeOutcome } from './errors.js'
import type { ErrorCode, Outcome } from './errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route forwards writes: every problem it sends says whether the write reached its destination (`outcome`). */
    reportsOutcome?: boolean
  }
}

/** An RFC 9457 problem details body. */
export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: ErrorCode
  /** Only from routes that forward writes, and for the codes of the upstream path. */
  readonly outcome?: Outcome
  /** The request's id, also in the `x-request-id` header and every log line about it. */
  readonly requestId: string
  readonly field?: string
}

const fastifyCodes: Partial<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_ERR_REQUEST_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_ERR_REQUEST_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_ERR_REQUEST_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_ERR_REQUEST_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_ERR_REQUEST_INVALID'
}

/** Turns anything thrown while handling a request into a GatewayError; unknown errors become GW_ERR_INTERNAL. */
export function toGatewayError (error: FastifyError | Error): GatewayError {
  if (error instanceof GatewayError) return error
  const fastifyError: Error & Partial<FastifyError> = error
  if (fastifyError.validation !== undefined) return validationError(fastifyError)
  const code = fastifyError.code === undefined ? undefined : fastifyCodes[fastifyError.code]
  if (code !== undefined) return new GatewayError(code, error.message)
  // JSON syntax errors (and prototype-poisoning attempts) from the body parser carry a 400 status.
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new GatewayError(error instanceof SyntaxError ? 'GW_ERR_REQUEST_MALFORMED_JSON' : 'GW_ERR_REQUEST_INVALID', error.message)
  }
  return new GatewayError('GW_ERR_INTERNAL', 'The gateway failed to handle the request', { cause: error })
}

function validationError (error: Error & Partial<FastifyError>): InvalidFieldError {
  const [first] = error.validation ?? []
  const context = error.validationContext ?? 'request'
  if (first === undefined) return new InvalidFieldError(context, 'is invalid')
  const params = first.params
  let field = context + first.instancePath
  let reason = first.message ?? 'is invalid'
  if (first.keyword === 'required' && typeof params.missingProperty === 'string') {
    field += `/${params.missingProperty}`
    reason = 'is required'
  } else if (first.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    field += `/${params.additionalProperty}`
    reason = 'is not allowed'
  }
  return new InvalidFieldError(field, reason)
}

/** The problem body for `error`; `reportsOutcome` when it answers a route that forwards writes. */
export function toProblem (error: GatewayError, requestId: string, reportsOutcome = false): Problem {
  const outcome = reportsOutcome ? writeOutcome(error.code) : error.outcome
  const problem: Problem = {
    type: problemType(error.code),
    title: error.title,
    status: error.statusCode,
    // 5xx details may describe internals: the log has them, the client gets the title.
    detail: error.code === 'GW_ERR_INTERNAL' ? error.title : error.message,
    code: error.code,
    ...(outcome !== undefined && { outcome }),
    requestId
  }
  const withExtensions = error.extensions === undefined ? problem : { ...problem, ...error.extensions }
  return error instanceof InvalidFieldError ? { ...withExtensions, field: error.field } : withExtensions
}

const problemContentType = 'application/problem+json; charset=utf-8'

/** The fixed parts of a problem body around `detail` and `requestId`, per code and outcome. */
interface BodyParts { readonly head: string, readonly middle: string }

const bodyParts = new Map<string, BodyParts>()

function partsOf (code: ErrorCode, title: string, status: number, outcome: Outcome | undefined): BodyParts {
  const key = outcome === undefined ? code : `${code} ${outcome}`
  let parts = bodyParts.get(key)
  if (parts === undefined) {
    // Member for member as toProblem orders them, which is also the order of the response schemas.
    const head = `{"type":${JSON.stringify(problemType(code))},"title":${JSON.stringify(title)},"status":${status},"detail":`
    const middle = `,"code":${JSON.stringify(code)}${outcome === undefined ? '' : `,"outcome":${JSON.stringify(outcome)}`},"requestId":`
    parts = { head, middle }
    bodyParts.set(key, parts)
  }
  return parts
}

/**
 * The problem body as JSON text. A plain error's body is its code's fixed parts (built once per
 * code) with the detail and request id spliced in, byte for byte what serialising `toProblem` would
 * give; one with extensions or a field is serialised in full.
 */
export function problemBody (error: GatewayError, requestId: string, reportsOutcome = false): string {
  if (error.extensions !== undefined || error instanceof InvalidFieldError) return JSON.stringify(toProblem(error, requestId, reportsOutcome))
  const outcome = reportsOutcome ? writeOutcome(error.code) : error.outcome
  const { head, middle } = partsOf(error.code, error.title, error.statusCode, outcome)
  const detail = error.code === 'GW_ERR_INTERNAL' ? error.title : error.message
  return `${head}${JSON.stringify(detail)}${middle}${JSON.stringify(requestId)}}`
}

/** A problem answered so often (a refusal while event.com is down) that all of it but the request id is built once. */
export interface CannedProblem {
  /** Answers it on `reply`, with `Retry-After` when `retryAfterMs` is given, and logs it as the error handler would. */
  readonly send: (reply: FastifyReply, retryAfterMs?: number) => FastifyReply
}

/**
 * The problem of `code` with a fixed `detail`, sent without building an error or going through
 * the error handler: byte for byte what `sendProblem` sends for the same error.
 */
export function cannedProblem (code: ErrorCode, detail: string, reportsOutcome = false): CannedProblem {
  const { status, title } = errorDefinitions[code]
  const { head, middle } = partsOf(code, title, status, reportsOutcome ? writeOutcome(code) : ownOutcome(code))
  const prefix = `${head}${JSON.stringify(detail)}${middle}`
  return {
    send (reply, retryAfterMs) {
      reply.log.info({ code, detail }, 'request rejected')
      if (retryAfterMs !== undefined) void reply.header('retry-after', retryAfterSeconds(retryAfterMs))
      return reply.code(status).type(problemContentType).send(`${prefix}${JSON.stringify(reply.request.id)}}`)
    }
  }
}

export function sendProblem (reply: FastifyReply, error: GatewayError): FastifyReply {
  if (error instanceof RetryableError) {
    void reply.header('retry-after', retryAfterSeconds(error.retryAfterMs))
  }
  const reportsOutcome = reply.request.routeOptions.config.reportsOutcome === true
  void reply.code(error.statusCode)
  // A field or extensions go through the route's response schema, like any other body.
  if (error.extensions !== undefined || error instanceof InvalidFieldError) return reply.type('application/problem+json').send(toProblem(error, reply.request.id, reportsOutcome))
  return reply.type(problemContentType).send(problemBody(error, reply.request.id, reportsOutcome))
}

export function errorHandler (this: unknown, error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const gatewayError = toGatewayError(error)
  if (gatewayError.code === 'GW_ERR_INTERNAL') {
    request.log.error({ err: error, code: gatewayError.code }, 'request failed')
  } else if (gatewayError.code.startsWith('GW_ERR_UPSTREAM_')) {
    request.log.warn({ err: error, code: gatewayError.code }, 'event service call failed')
  } else {
    request.log.info({ code: gatewayError.code, detail: gatewayError.message }, 'request rejected')
  }
  return sendProblem(reply, gatewayError)
}

/** The 404 for a request no route matches; the path is cut short, so a scanner's long URL is not echoed whole. */
export function routeNotFound (request: FastifyRequest): GatewayError {
  const path = request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url
  return new GatewayError('GW_ERR_ROUTE_NOT_FOUND', `No route for ${request.method} ${path}`)
}

export function notFoundHandler (request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, routeNotFound(request))
}
