import { BlockList, isIP } from 'node:net'

/**
 * Addresses a flow may never reach: link-local (where the cloud metadata services live) and the
 * metadata services' own addresses. BlockList also matches IPv4-mapped IPv6 (`::ffff:169.254.x.x`)
 * against the IPv4 subnets; the IPv4-compatible and NAT64 forms embed the address too, so they are
 * listed. Loopback and private ranges stay reachable: local mocks and receivers run there.
 */
const refused = new BlockList()
refused.addSubnet('169.254.0.0', 16, 'ipv4')
refused.addSubnet('fe80::', 10, 'ipv6')
refused.addSubnet('::a9fe:0', 112, 'ipv6')
refused.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6')
// AWS's IPv6 instance metadata endpoint, and Alibaba Cloud's metadata service.
refused.addAddress('fd00:ec2::254', 'ipv6')
refused.addAddress('100.100.100.200', 'ipv4')

/** Strips the brackets URL.hostname keeps around an IPv6 literal and a zone id (`fe80::1%eth0`). */
function bareAddress (host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/** True when `ip` is an IP address a flow must never reach; false for anything that is not an IP address. */
export function isRefusedAddress (ip: string): boolean {
  const address = bareAddress(ip)
  const family = isIP(address)
  if (family === 0) return false
  return refused.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/** A hostname as compared: lower case, no trailing dot, no IPv6 brackets. */
function normaliseHost (host: string): string {
  return bareAddress(host.toLowerCase().replace(/\.$/, ''))
}

/**
 * True when `host` (a hostname or IP literal, without a port) may be called: always when there is
 * no allow-list, otherwise only when it is on it. Entries match whole hostnames, ignoring case and a
 * trailing dot; `hooks.example.com` does not admit `a.hooks.example.com`.
 */
export function isAllowedHost (host: string, allowList: readonly string[] | undefined): boolean {
  if (allowList === undefined) return true
  const wanted = normaliseHost(host)
  return allowList.some((entry) => normaliseHost(entry) === wanted)
}

/**
 * Why `url` may not be called, or undefined when it may: its host is not allowed, or it is an IP
 * literal that is refused. A hostname that resolves to a refused address is caught later, when the
 * connection is made; this is the check that can be made from the URL alone (e.g. when a flow is saved).
 */
export function destinationRefusal (url: URL, allowList?: readonly string[]): string | undefined {
  if (isRefusedAddress(url.hostname)) return `${url.hostname} is a link-local or cloud metadata address`
  if (!isAllowedHost(url.hostname, allowList)) return `${url.hostname} is not in the allowed hosts`
  return undefined
}
