import type { FieldReader } from './fieldReader.js'
import { webhookMethods } from './flowDefinition.js'
import type { WebhookStep } from './flowDefinition.js'
import { flowLimits } from './flowLimits.js'
import { setOwn } from './jsonShapes.js'
import { readRetry } from './readRetry.js'
import type { StepReadOptions, StepSpec } from './stepSpec.js'
import { isTemplate } from './template.js'
import { checkWebhookUrl } from './webhookHosts.js'

// RFC 9110 token.
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Set by the delivery layer: framing, the connection, and the Idempotency-Key of each step.
export const RESERVED_HEADERS: readonly string[] = [
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'idempotency-key'
]
const MAX_HEADER_VALUE_LENGTH = 8192
// The origin of a templated URL is literal when a tag comes only after it: https://host[:port]/…
const LITERAL_ORIGIN = /^(https?:\/\/[^/?#{]+)[/?#]/i

/** `{url, method?, headers?, body?}`; the URL, header values and strings of the body are templates. */
export const webhookStepSpec: StepSpec = {
  fields: ['url', 'method', 'headers', 'body', 'retry'],
  required: ['url'],
  edges: 'sequential',
  read (reader, base, options): WebhookStep | undefined {
    const url = readUrl(reader, options)
    const method = reader.oneOf('method', webhookMethods) ?? 'POST'
    const headers = readHeaders(reader)
    const body = reader.templatedJson('body')
    if (method === 'GET' && reader.has('body')) reader.fail('body', 'a GET webhook has no body')
    const retry = readRetry(reader)
    if (reader.failed || url === undefined || headers === undefined || retry === undefined) return undefined
    return { ...base.fields, type: 'webhook', url, method, headers, ...(body === undefined ? {} : { body }), retry, next: base.next }
  }
}

/**
 * A literal URL is checked in full now. A templated one can only be checked once rendered, but
 * when its origin comes before any tag, the host is checked now too.
 */
function readUrl (reader: FieldReader, options: StepReadOptions): string | undefined {
  const url = reader.template('url', flowLimits.maxUrlLength)
  if (url === undefined) return undefined
  const literal = isTemplate(url) ? LITERAL_ORIGIN.exec(url)?.[1] : url
  if (literal === undefined) return url
  const checked = checkWebhookUrl(isTemplate(url) ? `${literal}/` : literal, options.allowedWebhookHosts)
  if (!checked.ok) reader.fail('url', `url: ${checked.reason}`)
  return url
}

function readHeaders (reader: FieldReader): Readonly<Record<string, string>> | undefined {
  const headers = reader.child('headers')
  if (headers === undefined) return reader.has('headers') ? undefined : {}
  const entries = Object.entries(headers.object)
  if (entries.length > flowLimits.maxHeaders) {
    headers.fail(undefined, `at most ${flowLimits.maxHeaders} headers`)
    return undefined
  }
  const out: Record<string, string> = {}
  const seen = new Set<string>()
  for (const [name, value] of entries) {
    const lower = name.toLowerCase()
    if (!HEADER_NAME.test(name)) headers.fail(name, `${JSON.stringify(name)} is not a header name`)
    else if (RESERVED_HEADERS.includes(lower)) headers.fail(name, `${name} is set by the engine, not by the flow`)
    else if (seen.has(lower)) headers.fail(name, `${name} is given twice, in different cases`)
    else if (typeof value === 'string' && /[\r\n\0]/.test(value)) headers.fail(name, 'a header value has no line breaks or NUL characters')
    else {
      const template = headers.template(name, MAX_HEADER_VALUE_LENGTH)
      if (template !== undefined) setOwn(out, name, template)
    }
    seen.add(lower)
  }
  return headers.failed ? undefined : out
}
