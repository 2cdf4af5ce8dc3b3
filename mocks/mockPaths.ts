/**
 * Where each mock lives on the bridge's one socket: event.com at the root, the email provider and
 * the webhook receiver under their prefixes, every control route under `/__mock/`.
 */
export const EMAIL_PREFIX = '/email'
export const WEBHOOKS_PREFIX = '/webhooks'

/** Whether `pathname` is `prefix` itself or a path under it (`/email`, `/email/emails`, not `/emails`). */
export function isUnder (pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`)
}
