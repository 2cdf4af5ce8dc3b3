import type { LookupAddress } from 'node:dns'
import { http, HttpResponse } from 'msw'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HandlerDispatcher } from '../../../../mocks/handlerDispatcher.js'
import type { DispatchedRequest } from '../../../../mocks/handlerDispatcher.js'
import { EVENT_SERVICE_ORIGIN } from '../../../../mocks/origin.js'
import type { Lookup } from '../../../../services/journeys/delivery/index.js'
import { receiver, step, testOutbound } from './receiver.js'

/** A resolver that answers every name with `addresses`, and remembers the names it was asked. */
function fakeDns (...addresses: string[]): { lookup: Lookup, asked: string[] } {
  const asked: string[] = []
  const entries: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  const lookup: Lookup = (hostname, options, callback) => {
    asked.push(hostname)
    const first = entries[0]!
    if (options.all === true) callback(null, entries)
    else callback(null, first.address, first.family)
  }
  return { lookup, asked }
}

describe('outbound delivery: destinations checked after DNS', () => {
  it('connects to what a name resolves to when that is allowed', async () => {
    const hook = await receiver()
    const dns = fakeDns('127.0.0.1')
    const { outbound } = testOutbound({ lookup: dns.lookup })
    expect(await outbound.send({ ...step, url: `http://hooks.test:${hook.port}/x` })).toMatchObject({ kind: 'delivered', status: 200 })
    expect(dns.asked).toStrictEqual(['hooks.test'])
    expect(hook.received[0]?.headers.host).toBe(`hooks.test:${hook.port}`)
  })

  it.each([
    ['169.254.169.254'], ['fe80::1'], ['::ffff:169.254.169.254'], ['127.0.0.1', '169.254.169.254']
  ])('refuses a name that resolves to %s, without connecting', async (...addresses) => {
    const hook = await receiver()
    const dns = fakeDns(...addresses)
    const { outbound, calls } = testOutbound({ lookup: dns.lookup })
    const result = await outbound.send({ ...step, url: `http://metadata.test:${hook.port}/latest/meta-data` })

    expect(result).toMatchObject({ kind: 'permanent', reason: 'refused-destination' })
    expect(result.kind === 'permanent' && result.message).toMatch(/^metadata\.test resolves to .*, a link-local or cloud metadata address$/)
    expect(dns.asked).toStrictEqual(['metadata.test'])
    expect(hook.received).toStrictEqual([])
    expect(calls).toMatchObject([{ kind: 'permanent', reason: 'refused-destination' }])
  })

  it('never counts a refused destination against the breaker', async () => {
    const dns = fakeDns('169.254.169.254')
    const { outbound } = testOutbound({ lookup: dns.lookup })
    for (let i = 0; i < 5; i++) await outbound.send({ ...step, url: 'http://metadata.test/' })
    expect(outbound.breakers()['http://metadata.test']).toMatchObject({ state: 'closed', consecutiveFailures: 0 })
  })
})

describe('outbound delivery: destinations checked from the URL', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data', 'http://169.254.10.1:8080/', 'http://[fe80::1]/', 'http://[::ffff:169.254.169.254]/'
  ])('refuses %s without resolving or connecting', async (url) => {
    const dns = fakeDns('127.0.0.1')
    const { outbound } = testOutbound({ lookup: dns.lookup })
    expect(await outbound.send({ ...step, url })).toMatchObject({ kind: 'permanent', reason: 'refused-destination' })
    expect(dns.asked).toStrictEqual([])
    expect(outbound.breakers()).toStrictEqual({})
  })

  it('allows loopback by default', async () => {
    const hook = await receiver()
    const { outbound } = testOutbound()
    expect(await outbound.send({ ...step, url: hook.url })).toMatchObject({ kind: 'delivered' })
  })

  it('with allowed hosts, calls only those', async () => {
    const hook = await receiver()
    const dns = fakeDns('127.0.0.1')
    const { outbound } = testOutbound({ lookup: dns.lookup, allowedHosts: ['hooks.test'] })
    expect(await outbound.send({ ...step, url: `http://HOOKS.test:${hook.port}/` })).toMatchObject({ kind: 'delivered' })
    expect(await outbound.send({ ...step, url: hook.url })).toStrictEqual({
      kind: 'permanent', reason: 'refused-destination', message: '127.0.0.1 is not in the allowed hosts'
    })
    expect(await outbound.send({ ...step, url: `http://other.test:${hook.port}/` })).toMatchObject({ kind: 'permanent', reason: 'refused-destination' })
    expect(dns.asked).toStrictEqual(['hooks.test'])
    expect(hook.received).toHaveLength(1)
  })
})

describe('outbound delivery over an injected dispatcher', () => {
  function inProcess (): { dispatcher: HandlerDispatcher, received: DispatchedRequest[] } {
    const received: DispatchedRequest[] = []
    const dispatcher = new HandlerDispatcher({
      handlers: [http.post(`${EVENT_SERVICE_ORIGIN}/hooks`, () => HttpResponse.json({ accepted: true }, { status: 202 }))],
      onRequest: (request) => { received.push(request) }
    })
    onTestFinished(() => dispatcher.destroy())
    return { dispatcher, received }
  }

  it('sends through it', async () => {
    const { dispatcher, received } = inProcess()
    const { outbound } = testOutbound({ dispatcher })
    expect(await outbound.send({ ...step, url: 'https://hooks.example.com/hooks', body: '{"a":1}' })).toStrictEqual({
      kind: 'delivered', status: 202, body: { accepted: true }, truncated: false
    })
    expect(received).toStrictEqual([{ method: 'POST', path: '/hooks', body: '{"a":1}' }])
  })

  it('still refuses literal addresses and hosts off the allow-list', async () => {
    const { dispatcher, received } = inProcess()
    const { outbound } = testOutbound({ dispatcher, allowedHosts: ['hooks.example.com', '169.254.169.254'] })
    expect(await outbound.send({ ...step, url: 'http://169.254.169.254/hooks' })).toMatchObject({ kind: 'permanent', reason: 'refused-destination' })
    expect(await outbound.send({ ...step, url: 'https://other.example.com/hooks' })).toMatchObject({ kind: 'permanent', reason: 'refused-destination' })
    expect(received).toStrictEqual([])
  })

  it('is not closed with the sender', async () => {
    const { dispatcher } = inProcess()
    const { outbound } = testOutbound({ dispatcher })
    await outbound.close()
    const second = testOutbound({ dispatcher })
    expect(await second.outbound.send({ ...step, url: 'https://hooks.example.com/hooks' })).toMatchObject({ kind: 'delivered' })
  })
})
