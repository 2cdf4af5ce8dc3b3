/** One message as `POST /emails` takes it. */
export interface EmailMessage {
  to: string
  subject: string
  text: string
  html?: string
}

export type EmailParseResult =
  | { ok: true, email: EmailMessage }
  | { ok: false, message: string }

// Email-ish: something, an @, a domain with a dot; no spaces or angle brackets. Not RFC 5322.
const addressPattern = /^[^\s@<>]+@[^\s@<>.]+(\.[^\s@<>.]+)+$/

export function isEmailAddress (value: unknown): value is string {
  return typeof value === 'string' && addressPattern.test(value)
}

/** Validates a `POST /emails` body: `to` one address, `subject` and `text` strings, `html` an optional string. Other fields are ignored. */
export function parseEmailBody (body: unknown): EmailParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'The body must be a JSON object' }
  }
  const { to, subject, text, html } = body as Record<string, unknown>
  if (isEmailAddress(to) && typeof subject === 'string' && typeof text === 'string' && (html === undefined || typeof html === 'string')) {
    return { ok: true, email: html === undefined ? { to, subject, text } : { to, subject, text, html } }
  }
  const invalid = [
    ...(isEmailAddress(to) ? [] : ['to (an email address)']),
    ...(typeof subject === 'string' ? [] : ['subject (a string)']),
    ...(typeof text === 'string' ? [] : ['text (a string)']),
    ...(html === undefined || typeof html === 'string' ? [] : ['html (a string, or absent)'])
  ]
  return { ok: false, message: `Missing or invalid fields: ${invalid.join(', ')}` }
}
