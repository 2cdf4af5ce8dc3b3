import { BlockList, isIP } from 'node:net'

export type WebhookUrlResult = { readonly ok: true, readonly url: URL } | { readonly ok: false, readonly reason: string }

// Link-local ranges (where cloud metadata services live) and metadata addresses outside them.
// BlockList also matches IPv4-mapped IPv6 (::ffff:169.254.169.254) against the IPv4 rules.
const refused = new BlockList()
refused.addSubnet('169.254.0.0', 16, 'ipv4')
refused.addSubnet('fe80::', 10, 'ipv6')
refused.addAddress('fd00:ec2::254', 'ipv6') // AWS instance metadata over IPv6
refused.addAddress('100.100.100.200', 'ipv4') // Alibaba Cloud metadata
const REFUSED_NAMES: readonly string[] = ['metadata.google.internal', 'metadata']

/**
 * True for an IP address a webhook must never reach: link-local (169.254.0.0/16, fe80::/10) or a
 * cloud metadata address. For the delivery layer to check every address a host name resolves to.
 * Throws a RangeError for a string that is not an IP address.
 */
export function isRefusedAddress (ip: string): boolean {
  const address = unbracket(ip).replace(/%.*$/, '')
  const family = isIP(address)
  if (family === 0) throw new RangeError(`isRefusedAddress takes an IP address, got ${JSON.stringify(ip)}`)
  return refused.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** True for a host (a name or an IP literal, as in a URL) a webhook must never reach, before any lookup. */
export function isRefusedHost (host: string): boolean {
  const name = normaliseHost(host)
  return isIP(name) === 0 ? REFUSED_NAMES.includes(name) : isRefusedAddress(name)
}

/**
 * True when `host` is on the allow-list. An entry is a host name or IP literal matched exactly, or
 * `*.example.com` for any name below example.com (not example.com itself). Case and a trailing dot
 * are ignored; ports are not part of a host. An empty list allows nothing.
 */
export function isAllowedHost (host: string, allowList: readonly string[]): boolean {
  const name = normaliseHost(host)
  return allowList.some((entry) => {
    const allowed = normaliseHost(entry)
    return allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) && name.length > allowed.length - 1 : name === allowed
  })
}

/** Why an allow-list entry is unusable, or `undefined`. */
export function allowListEntryProblem (entry: string): string | undefined {
  const name = normaliseHost(entry).replace(/^\*\./, '')
  if (isIP(name) !== 0) return undefined
  return /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/.test(name)
    ? undefined
    : `${JSON.stringify(entry)} is not a host name, an IP address or *.domain`
}

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

function normaliseHost (host: string): string {
  const name = unbracket(host.trim().toLowerCase()).replace(/\.$/, '')
  if (isIP(name) !== 6) return name
  // One spelling per IPv6 address (0:0::1 and ::1 are the same host), as URL writes them.
  try {
    return unbracket(new URL(`http://[${name}]/`).hostname)
  } catch {
    return name
  }
}

function unbracket (host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
