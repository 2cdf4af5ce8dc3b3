import { describe, expect, it } from 'vitest'
import { checkWebhookUrl } from '../../../../services/journeys/flows/webhookHosts.js'

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
