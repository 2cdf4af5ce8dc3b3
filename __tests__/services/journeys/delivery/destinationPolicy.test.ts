import { describe, expect, it } from 'vitest'
import { allowListEntryProblem, destinationRefusal, isAllowedHost, isRefusedAddress, isRefusedHost } from '../../../../services/journeys/delivery/index.js'

describe('isRefusedAddress', () => {
  it.each([
    '169.254.169.254', '169.254.0.1', '169.254.255.255',
    'fe80::1', 'FE80::abcd', 'febf::1', 'fe80::1%eth0', '[fe80::1]',
    '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:a9fe:a9fe]', '0:0:0:0:0:ffff:a9fe:a9fe',
    '::169.254.169.254', '64:ff9b::169.254.169.254',
    'fd00:ec2::254', '100.100.100.200'
  ])('refuses %s', (ip) => {
    expect(isRefusedAddress(ip)).toBe(true)
  })

  it.each([
    '127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1', '192.168.1.1', '169.253.255.255', '169.255.0.0',
    'fec0::1', 'fd00:ec2::253', '93.184.216.34', '2606:2800:220:1::1',
    'metadata.google.internal', 'localhost', '', 'not an address'
  ])('lets %s through (not refused, or not an IP address)', (ip) => {
    expect(isRefusedAddress(ip)).toBe(false)
  })
})

describe('isAllowedHost', () => {
  it('allows every host when there is no allow-list', () => {
    expect(isAllowedHost('anything.example', undefined)).toBe(true)
  })

  it('allows only the listed hosts, ignoring case and a trailing dot', () => {
    const list = ['hooks.example.com', 'API.Mail.example', '127.0.0.1', '[::1]']
    expect(isAllowedHost('hooks.example.com', list)).toBe(true)
    expect(isAllowedHost('HOOKS.example.com.', list)).toBe(true)
    expect(isAllowedHost('api.mail.example', list)).toBe(true)
    expect(isAllowedHost('127.0.0.1', list)).toBe(true)
    expect(isAllowedHost('[::1]', list)).toBe(true)
    expect(isAllowedHost('::1', list)).toBe(true)
  })

  it('matches whole names only', () => {
    const list = ['example.com']
    expect(isAllowedHost('a.example.com', list)).toBe(false)
    expect(isAllowedHost('example.com.evil', list)).toBe(false)
    expect(isAllowedHost('evilexample.com', list)).toBe(false)
  })

  it('allows nothing with an empty list', () => {
    expect(isAllowedHost('example.com', [])).toBe(false)
  })
})

describe('destinationRefusal', () => {
  it('refuses literal link-local addresses in any spelling the URL parser accepts', () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://0xa9fea9fe/', 'http://2852039166/', 'http://[::ffff:169.254.169.254]/', 'https://[fe80::1]:8443/']) {
      expect(destinationRefusal(new URL(url))).toMatch(/link-local or cloud metadata/)
    }
  })

  it('refuses hosts off the allow-list, and lets loopback and listed hosts through', () => {
    expect(destinationRefusal(new URL('http://127.0.0.1:4000/'))).toBeUndefined()
    expect(destinationRefusal(new URL('https://hooks.example.com/x'), ['hooks.example.com'])).toBeUndefined()
    expect(destinationRefusal(new URL('https://other.example.com/x'), ['hooks.example.com'])).toBe('other.example.com is not in the allowed hosts')
  })

  it('refuses a link-local address even when it is on the allow-list', () => {
    expect(destinationRefusal(new URL('http://169.254.169.254/'), ['169.254.169.254'])).toMatch(/link-local/)
  })
})

describe('isRefusedAddress, in every spelling', () => {
  it.each([
    '169.254.169.254', '169.254.0.1', '169.254.255.255', 'fe80::1', 'febf:ffff::1', 'FE80::1', '[fe80::1]', 'fe80::1%eth0',
    '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', 'fd00:ec2::254', '100.100.100.200'
  ])('refuses %s (link-local or cloud metadata)', (ip) => {
    expect(isRefusedAddress(ip)).toBe(true)
  })

  it.each(['169.253.255.255', '169.255.0.1', '10.0.0.1', '127.0.0.1', '93.184.216.34', 'fec0::1', '::1', '2001:db8::1', '100.100.100.201'])('lets %s through', (ip) => {
    expect(isRefusedAddress(ip)).toBe(false)
  })

  it('is false for a string that is not an IP address (names are isRefusedHost\'s)', () => {
    expect(isRefusedAddress('metadata.google.internal')).toBe(false)
    expect(isRefusedAddress('')).toBe(false)
  })
})

describe('isRefusedHost', () => {
  it.each(['metadata.google.internal', 'Metadata.Google.Internal.', 'metadata', '169.254.169.254', '[fe80::1]'])('refuses %s', (host) => {
    expect(isRefusedHost(host)).toBe(true)
  })

  it.each(['example.com', 'metadata.google.internal.example.com', 'google.internal', '10.1.2.3'])('lets %s through', (host) => {
    expect(isRefusedHost(host)).toBe(false)
  })
})

describe('isAllowedHost with wildcards and IPv6 spellings', () => {
  const allowList = ['crm.example', '*.hooks.example', '10.0.0.7', '::1', 'Trailing.Example.']

  it.each(['crm.example', 'CRM.example.', 'a.hooks.example', 'a.b.hooks.example', '10.0.0.7', '[::1]', '0:0::1', 'trailing.example'])('allows %s', (host) => {
    expect(isAllowedHost(host, allowList)).toBe(true)
  })

  it.each(['hooks.example', 'evilhooks.example', 'crm.example.evil', 'xcrm.example', '10.0.0.70', '::2', 'a.hooks.example.evil'])('refuses %s', (host) => {
    expect(isAllowedHost(host, allowList)).toBe(false)
  })

  it('allows nothing with an empty list', () => {
    expect(isAllowedHost('crm.example', [])).toBe(false)
  })
})

describe('allowListEntryProblem', () => {
  it.each(['crm.example', '*.hooks.example', '10.0.0.7', '::1', '[::1]', 'localhost'])('accepts %s', (entry) => {
    expect(allowListEntryProblem(entry)).toBeUndefined()
  })

  it.each(['crm.example:443', 'https://crm.example', '*', '*.', 'a b', '', 'crm..example'])('refuses %j', (entry) => {
    expect(allowListEntryProblem(entry)).toMatch(/not a host name/)
  })
})
