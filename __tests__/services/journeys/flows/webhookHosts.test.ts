import { describe, expect, it } from 'vitest'
import { allowListEntryProblem, checkWebhookUrl, isAllowedHost, isRefusedAddress, isRefusedHost } from '../../../../services/journeys/flows/webhookHosts.js'

describe('isRefusedAddress', () => {
  it.each([
    '169.254.169.254', '169.254.0.1', '169.254.255.255', 'fe80::1', 'febf:ffff::1', 'FE80::1', '[fe80::1]', 'fe80::1%eth0',
    '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', 'fd00:ec2::254', '100.100.100.200'
  ])('refuses %s (link-local or cloud metadata)', (ip) => {
    expect(isRefusedAddress(ip)).toBe(true)
  })

  it.each(['169.253.255.255', '169.255.0.1', '10.0.0.1', '127.0.0.1', '93.184.216.34', 'fec0::1', '::1', '2001:db8::1', '100.100.100.201'])('lets %s through', (ip) => {
    expect(isRefusedAddress(ip)).toBe(false)
  })

  it('throws a RangeError for a string that is not an IP address', () => {
    expect(() => isRefusedAddress('metadata.google.internal')).toThrow(RangeError)
    expect(() => isRefusedAddress('')).toThrow(RangeError)
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

describe('isAllowedHost', () => {
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

describe('checkWebhookUrl', () => {
  it('accepts absolute http and https URLs', () => {
    expect(checkWebhookUrl('https://crm.example/hooks/done?x=1').ok).toBe(true)
    expect(checkWebhookUrl('http://10.0.0.7:8080/hook').ok).toBe(true)
  })

  it.each([
    ['a relative URL', '/hooks/done', /not an absolute URL/],
    ['no URL at all', 'crm.example', /not an absolute URL/],
    ['ftp', 'ftp://crm.example/x', /http: or https:/],
    ['file', 'file:///etc/passwd', /http: or https:/],
    ['javascript', 'javascript:alert(1)', /http: or https:/],
    ['a user name', 'https://admin@crm.example/x', /no user name or password/],
    ['a password', 'https://:secret@crm.example/x', /no user name or password/],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', /link-local or cloud metadata/],
    ['the metadata address in hex', 'http://0xA9FEA9FE/', /link-local or cloud metadata/],
    ['the metadata address with a trailing dot', 'http://169.254.169.254./', /link-local or cloud metadata/],
    ['the metadata address, IPv4-mapped', 'http://[::ffff:169.254.169.254]/', /link-local or cloud metadata/],
    ['a link-local IPv6 address', 'http://[fe80::1]/', /link-local or cloud metadata/],
    ['Google\'s metadata name', 'http://metadata.google.internal/computeMetadata/v1/', /link-local or cloud metadata/]
  ])('refuses %s', (_label, url, reason) => {
    const result = checkWebhookUrl(url)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toMatch(reason)
  })

  it('refuses a host that is not on the allow-list, when one is given', () => {
    expect(checkWebhookUrl('https://crm.example/x', ['crm.example']).ok).toBe(true)
    const result = checkWebhookUrl('https://other.example/x', ['crm.example'])
    expect(result).toEqual({ ok: false, reason: 'other.example is not on the allowed webhook hosts' })
  })

  it('refuses a metadata host even when the allow-list names it', () => {
    expect(checkWebhookUrl('http://169.254.169.254/', ['169.254.169.254']).ok).toBe(false)
  })
})
