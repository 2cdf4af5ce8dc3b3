import { BlockList, isIP } from 'node:net'

/**
 * Where a flow may send: the one policy both flow validation (on a URL as written or rendered) and
 * the sender (on every address a host name resolves to) apply.
 *
 * Refused always: link-local (where the cloud metadata services live) and the metadata services'
 * own addresses and names. BlockList also matches IPv4-mapped IPv6 (`::ffff:169.254.x.x`) against
 * the IPv4 subnets; the IPv4-compatible and NAT64 forms embed the address too, so they are listed.
 * Loopback and private ranges stay reachable: local mocks and receivers run there.
 */
const refused = new BlockList()
refused.addSubnet('169.254.0.0', 16, 'ipv4')
refused.addSubnet('fe80::', 10, 'ipv6')
refused.addSubnet('::a9fe:0', 112, 'ipv6')
refused.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6')
// AWS's IPv6 instance metadata endpoint, and Alibaba Cloud's metadata service.
refused.addAddress('fd00:ec2::254', 'ipv6')
refused.addAddress('100.100.100.200', 'ipv4')
const refusedNames: readonly string[] = ['metadata.google.internal', 'metadata']

/** Strips the brackets URL.hostname keeps around an IPv6 literal, and a zone id (`fe80::1%eth0`). */
function bareAddress (host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  return isIP(bare.replace(/%.*$/, '')) === 6 ? bare.replace(/%.*$/, '') : bare
}

/** A host as compared: lower case, no trailing dot, no brackets, one spelling per IPv6 address (`0:0::1` is `::1`). */
function normaliseHost (host: string): string {
  const name = bareAddress(host.trim().toLowerCase().replace(/\.$/, ''))
  if (isIP(name) !== 6) return name
  try {
    return bareAddress(new URL(`http://[${name}]/`).hostname)
  } catch {
    return name
  }
}

/** True when `ip` is an IP address a flow must never reach; false for anything that is not an IP address. */
export function isRefusedAddress (ip: string): boolean {
  const address = bareAddress(ip)
  const family = isIP(address)
  if (family === 0) return false
  return refused.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/** True for a host (a name or an IP literal, as in a URL) a flow must never reach, before any lookup. */
export function isRefusedHost (host: string): boolean {
  const name = normaliseHost(host)
  return isIP(name) === 0 ? refusedNames.includes(name) : isRefusedAddress(name)
}

/**
 * True when `host` (a name or IP literal, without a port) may be called: always when there is no
 * allow-list, otherwise only when it is on it. An entry is a host matched whole (`hooks.example.com`
 * does not admit `a.hooks.example.com`), or `*.example.com` for any name below example.com (not
 * example.com itself). Case and a trailing dot are ignored. An empty list allows nothing.
 */
export function isAllowedHost (host: string, allowList: readonly string[] | undefined): boolean {
  if (allowList === undefined) return true
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
 * Why `url` may not be called, or undefined when it may: its host is refused, or not on the
 * allow-list. A name that resolves to a refused address is caught later, when the connection is
 * made; this is the check that can be made from the URL alone.
 */
export function destinationRefusal (url: URL, allowList?: readonly string[]): string | undefined {
  if (isRefusedHost(url.hostname)) return `${url.hostname} is a link-local or cloud metadata address`
  if (!isAllowedHost(url.hostname, allowList)) return `${url.hostname} is not in the allowed hosts`
  return undefined
}
