import type { DeliveryTarget } from './deliveryRequest.js'

/** What the email provider's `POST /emails` takes. */
export interface EmailMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html?: string
}

/**
 * The call that sends `message` through the provider at `apiUrl` (EMAIL_API_URL, whose path is kept:
 * `https://mail.example/v1` posts to `/v1/emails`). Spread it into `send` with the step's idempotency key.
 */
export function emailRequest (apiUrl: string, message: EmailMessage, headers?: Readonly<Record<string, string>>): DeliveryTarget {
  const { to, subject, text, html } = message
  return {
    url: `${apiUrl.replace(/\/+$/, '')}/emails`,
    method: 'POST',
    ...(headers !== undefined && { headers }),
    body: JSON.stringify(html === undefined ? { to, subject, text } : { to, subject, text, html })
  }
}
