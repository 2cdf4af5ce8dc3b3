import type { Permanent } from './deliveryResult.js'

/** The methods a webhook may use. */
export const DELIVERY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

export type DeliveryMethod = (typeof DELIVERY_METHODS)[number]

/** Where a call goes and what it carries: what a step describes, before it is sent. */
export interface DeliveryTarget {
  /** An absolute http(s) URL, without credentials. */
  readonly url: string
  /** One of DELIVERY_METHODS; anything else is an invalid request. */
  readonly method: string
  /** Extra request headers. Idempotency-Key, x-request-id and content-type are the sender's own and replace any given here. */
  readonly headers?: Readonly<Record<string, string>>
  /** The body, already serialised as JSON; sent with `content-type: application/json`. */
  readonly body?: string
}

export interface DeliveryRequest extends DeliveryTarget {
  /** Sent as `Idempotency-Key` on every attempt, so the destination can drop a repeat: `<runId>:<stepId>`. */
  readonly idempotencyKey: string
  /** Sent as `x-request-id`. */
  readonly requestId?: string
  /** Aborting it cancels the call, a request in flight included. */
  readonly signal?: AbortSignal
}

/** A request checked and ready for the dispatcher. */
export interface PreparedRequest {
  readonly url: URL
  readonly method: DeliveryMethod
  readonly headers: Record<string, string>
  readonly body: string | null
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Visible ASCII, space, tab and obs-text: no CR, LF or NUL, so no header can be smuggled in.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** Set by HTTP itself, per hop or from the body: a flow does not choose them. */
const RESERVED = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection',
  'upgrade', 'te', 'trailer', 'expect'
])

function isMethod (method: string): method is DeliveryMethod {
  return (DELIVERY_METHODS as readonly string[]).includes(method)
}

function invalid (message: string): Permanent {
  return { kind: 'permanent', reason: 'invalid-request', message }
}

function headerProblem (name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `${JSON.stringify(name)} is not a valid header name`
  if (RESERVED.has(name.toLowerCase())) return `the ${name} header is set by HTTP, not by the request`
  if (!FIELD_VALUE.test(value)) return `the ${name} header has characters a header value may not contain`
  return undefined
}

/** Checks a request and builds what is sent, or says why it cannot be sent. */
export function prepareRequest (request: DeliveryRequest): PreparedRequest | Permanent {
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    return invalid(`${JSON.stringify(request.url)} is not an absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid(`${url.protocol} URLs cannot be called, only http: and https:`)
  if (url.username !== '' || url.password !== '') return invalid('credentials belong in a header, not in the URL')
  if (!isMethod(request.method)) return invalid(`${JSON.stringify(request.method)} is not one of ${DELIVERY_METHODS.join(', ')}`)

  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const problem = headerProblem(name, value)
    if (problem !== undefined) return invalid(problem)
    headers[name.toLowerCase()] = value
  }
  const own: [string, string | undefined][] = [
    ['idempotency-key', request.idempotencyKey],
    ['x-request-id', request.requestId],
    ['content-type', request.body === undefined ? undefined : 'application/json']
  ]
  if (request.idempotencyKey === '') return invalid('the idempotency key is empty')
  for (const [name, value] of own) {
    if (value === undefined) continue
    if (!FIELD_VALUE.test(value)) return invalid(`the ${name} header has characters a header value may not contain`)
    headers[name] = value
  }
  return { url, method: request.method, headers, body: request.body ?? null }
}
