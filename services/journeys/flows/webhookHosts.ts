import { isAllowedHost, isRefusedHost } from '../delivery/destinationPolicy.js'

export type WebhookUrlResult = { readonly ok: true, readonly url: URL } | { readonly ok: false, readonly reason: string }

/**
 * Checks a webhook URL: absolute http: or https:, no user name or password, a host that is not
 * refused and, given an allow-list, on it. The same check runs at definition time on a literal URL
 * and at send time on the rendered one; the delivery layer then checks the resolved addresses.
 */
export function checkWebhookUrl (text: string, allowList?: readonly string[]): WebhookUrlResult {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { ok: false, reason: `${JSON.stringify(text.slice(0, 200))} is not an absolute URL` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `a webhook URL is http: or https:, not ${url.protocol}` }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'a webhook URL carries no user name or password; send credentials in a header' }
  if (isRefusedHost(url.hostname)) return { ok: false, reason: `${url.hostname} is a link-local or cloud metadata address, which webhooks may not reach` }
  if (allowList !== undefined && !isAllowedHost(url.hostname, allowList)) return { ok: false, reason: `${url.hostname} is not on the allowed webhook hosts` }
  return { ok: true, url }
}
