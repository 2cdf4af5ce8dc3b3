import type { EmailStep, FlowContext, JsonValue, WaitUntilStep, WebhookMethod, WebhookStep } from './flowDefinition.js'
import { setOwn } from './jsonShapes.js'
import { EMAIL_ADDRESS } from './readEmailStep.js'
import { renderTemplate, renderValue } from './template.js'
import { parseTimestamp } from './timestamp.js'
import { checkWebhookUrl } from './webhookHosts.js'

/** Why a step cannot be sent as rendered for this run; the definition itself was valid. */
export interface RenderFailure {
  readonly ok: false
  readonly reason: string
}

export interface RenderedEmail {
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html?: string
}

export interface WebhookRequest {
  readonly url: string
  readonly method: WebhookMethod
  readonly headers: Readonly<Record<string, string>>
  /** Absent: send no body. */
  readonly body?: JsonValue
}

/**
 * An email step's fields for one run. Only `html` escapes HTML in `{{…}}` values; `to`, `subject`
 * and `text` are plain text. `to` must render to one address, and line breaks in the subject become
 * spaces, so no value can add a mail header.
 */
export function renderEmail (step: EmailStep, context: FlowContext): { readonly ok: true, readonly email: RenderedEmail } | RenderFailure {
  const to = renderTemplate(step.to, context).trim()
  if (!EMAIL_ADDRESS.test(to)) return { ok: false, reason: `to rendered as ${JSON.stringify(to.slice(0, 320))}, which is not one email address` }
  const subject = renderTemplate(step.subject, context).replace(/[\r\n]+/g, ' ')
  const text = renderTemplate(step.text, context)
  const email = step.html === undefined ? { to, subject, text } : { to, subject, text, html: renderTemplate(step.html, context, 'html') }
  return { ok: true, email }
}

/**
 * A webhook step's request for one run. `{{…}}` values in the URL are encoded as URI components
 * (`{{{…}}}` is taken as written); the rendered URL gets the same checks as a literal one, against
 * `allowedWebhookHosts` when given. Header values and the body are not escaped, but a header value
 * with a line break is refused. The delivery layer still checks every address the host resolves
 * to with `isRefusedAddress`.
 */
export function renderWebhook (
  step: WebhookStep,
  context: FlowContext,
  options: { readonly allowedWebhookHosts?: readonly string[] } = {}
): { readonly ok: true, readonly request: WebhookRequest } | RenderFailure {
  const url = checkWebhookUrl(renderTemplate(step.url, context, 'uri'), options.allowedWebhookHosts)
  if (!url.ok) return { ok: false, reason: `url: ${url.reason}` }
  const headers: Record<string, string> = {}
  for (const [name, template] of Object.entries(step.headers)) {
    const value = renderTemplate(template, context)
    if (/[\r\n\0]/.test(value)) return { ok: false, reason: `header ${name} rendered with a line break or NUL character` }
    setOwn(headers, name, value)
  }
  const request = { url: url.url.href, method: step.method, headers }
  return { ok: true, request: step.body === undefined ? request : { ...request, body: renderValue(step.body, context) } }
}

/**
 * When a wait step with `until` ends for one run, in epoch milliseconds. A moment in the past is
 * returned as it is: whether that means "go on at once" or "skip" is the engine's to decide, and to
 * record, never to drop silently.
 */
export function resolveWaitUntil (step: WaitUntilStep, context: FlowContext): { readonly ok: true, readonly atMs: number } | RenderFailure {
  if (step.untilMs !== undefined) return { ok: true, atMs: step.untilMs }
  const parsed = parseTimestamp(renderTemplate(step.until, context).trim())
  return parsed.ok ? { ok: true, atMs: parsed.ms } : { ok: false, reason: `until: ${parsed.reason}` }
}
