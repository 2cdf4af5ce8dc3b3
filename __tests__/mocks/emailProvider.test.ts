import { describe, expect, it } from 'vitest'
import { createEmailProvider } from '../../mocks/emailProvider.js'
import { createManualClock } from '../../utils/clock.js'
import { anyOrigin, call, inProcessEmail, message, sendEmail, uuidPattern } from '../helpers/deliveryRequests.js'

const DAY_MS = 24 * 60 * 60 * 1000

describe('mock email provider: POST /emails', () => {
  it('accepts a message, answers 200 with a uuid, and records it with its key, request id and time', async () => {
    const clock = createManualClock(1_000)
    const { dispatcher, provider } = inProcessEmail({ clock: clock.now })
    const reply = await sendEmail(dispatcher, { ...message, html: '<p>Hello Ada</p>' }, { 'idempotency-key': 'welcome/1', 'x-request-id': 'req-1' })

    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('application/json')
    expect(reply.body).toEqual({ id: expect.stringMatching(uuidPattern) as string })
    const { id } = reply.body as { id: string }
    expect(provider.received().sent).toEqual([
      { id, ...message, html: '<p>Hello Ada</p>', idempotencyKey: 'welcome/1', requestId: 'req-1', receivedAt: 1_000 }
    ])
  })

  it('gives each send its own id, and records a message without key, request id or html without them', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const first = await sendEmail(dispatcher, message)
    const second = await sendEmail(dispatcher, message)
    expect(first.body).not.toEqual(second.body)
    const { sent, keys } = provider.received()
    expect(sent).toHaveLength(2)
    expect(Object.keys(sent[0]!).sort()).toEqual(['id', 'receivedAt', 'subject', 'text', 'to'])
    expect(keys).toEqual({})
  })

  it.each([
    ['to', { subject: 'Hi', text: 'Hello' }],
    ['to', { ...message, to: 'not-an-address' }],
    ['to', { ...message, to: 'ada@localhost' }],
    ['to', { ...message, to: ['ada@example.com'] }],
    ['subject', { ...message, subject: 7 }],
    ['text', { to: message.to, subject: message.subject }],
    ['html', { ...message, html: { p: 'Hello' } }],
    ['JSON object', [message]]
  ])('answers 422 naming %s when the body is not a message, and sends nothing', async (field, body) => {
    const { dispatcher, provider } = inProcessEmail()
    const reply = await sendEmail(dispatcher, body)
    expect(reply).toMatchObject({ status: 422, body: { statusCode: 422, name: 'validation_error' } })
    expect((reply.body as { message: string }).message).toContain(field)
    expect(provider.received().sent).toEqual([])
    expect(provider.received().requests).toHaveLength(1)
  })

  it('answers 422 to a body that is not JSON', async () => {
    const { dispatcher } = inProcessEmail()
    const reply = await call(`${anyOrigin}/emails`, { method: 'POST', rawBody: '{"to":', headers: { 'content-type': 'application/json' }, dispatcher })
    expect(reply).toMatchObject({ status: 422, body: { statusCode: 422, name: 'validation_error', message: 'The body must be valid JSON' } })
  })

  it('answers 405 to another method on /emails and 404 elsewhere, Resend-shaped', async () => {
    const { dispatcher } = inProcessEmail()
    expect(await call(`${anyOrigin}/emails`, { dispatcher })).toMatchObject({ status: 405, body: { statusCode: 405, name: 'method_not_allowed' } })
    expect(await call(`${anyOrigin}/domains`, { method: 'POST', body: {}, dispatcher })).toMatchObject({ status: 404, body: { statusCode: 404, name: 'not_found' } })
  })
})

describe('mock email provider: Idempotency-Key', () => {
  it('answers a repeat with the same key and body with the first response, without a second send', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const key = { 'idempotency-key': 'welcome/42' }
    const first = await sendEmail(dispatcher, message, key)
    // The same body with its keys in another order is the same payload.
    const repeats = [
      await sendEmail(dispatcher, { text: message.text, subject: message.subject, to: message.to }, key),
      await sendEmail(dispatcher, message, key)
    ]
    for (const repeat of repeats) expect(repeat).toMatchObject({ status: 200, body: first.body })
    const { sent, requests, keys } = provider.received()
    expect(sent).toHaveLength(1)
    expect(requests.map((received) => received.idempotencyKey)).toEqual(['welcome/42', 'welcome/42', 'welcome/42'])
    expect(keys).toEqual({ 'welcome/42': { requests: 3, repeats: 2, sends: 1, replays: 2, conflicts: 0 } })
  })

  it('sends once for concurrent repeats under one key: the first to be read sends, the others replay it', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const key = { 'idempotency-key': 'reset-password/8' }
    const replies = await Promise.all([1, 2, 3].map(() => sendEmail(dispatcher, message, key)))
    expect(new Set(replies.map((reply) => JSON.stringify(reply.body))).size).toBe(1)
    expect(provider.received().sent).toHaveLength(1)
    expect(provider.received().keys['reset-password/8']).toMatchObject({ requests: 3, sends: 1, replays: 2 })
  })

  it('answers 409 invalid_idempotent_request to the same key with another body, and keeps replaying the first', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const key = { 'idempotency-key': 'receipt/7' }
    const first = await sendEmail(dispatcher, message, key)
    const other = await sendEmail(dispatcher, { ...message, subject: 'Another subject' }, key)
    expect(other).toMatchObject({ status: 409, body: { statusCode: 409, name: 'invalid_idempotent_request' } })
    expect(await sendEmail(dispatcher, message, key)).toMatchObject({ status: 200, body: first.body })
    expect(provider.received().sent).toHaveLength(1)
    expect(provider.received().keys['receipt/7']).toEqual({ requests: 3, repeats: 2, sends: 1, replays: 1, conflicts: 1 })
  })

  it('keeps a key 24 hours (idempotencyTtlMs), then sends again under it', async () => {
    const clock = createManualClock(0)
    const { dispatcher, provider } = inProcessEmail({ clock: clock.now })
    const key = { 'idempotency-key': 'digest/2026-01-01' }
    const first = await sendEmail(dispatcher, message, key)
    clock.advance(DAY_MS - 1)
    expect((await sendEmail(dispatcher, message, key)).body).toEqual(first.body)
    clock.advance(1)
    const later = await sendEmail(dispatcher, message, key)
    expect(later.status).toBe(200)
    expect(later.body).not.toEqual(first.body)
    expect(provider.received().keys['digest/2026-01-01']).toMatchObject({ requests: 3, sends: 2, replays: 1 })
  })

  it('answers 400 invalid_idempotency_key to a key over 256 characters, and sends nothing', async () => {
    const { dispatcher, provider } = inProcessEmail()
    expect(await sendEmail(dispatcher, message, { 'idempotency-key': 'k'.repeat(256) })).toMatchObject({ status: 200 })
    expect(await sendEmail(dispatcher, message, { 'idempotency-key': 'k'.repeat(257) }))
      .toMatchObject({ status: 400, body: { statusCode: 400, name: 'invalid_idempotency_key' } })
    expect(provider.received().sent).toHaveLength(1)
  })

  it('validates before it remembers a key: a corrected retry under the same key is sent', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const key = { 'idempotency-key': 'welcome/9' }
    expect((await sendEmail(dispatcher, { ...message, to: 'ada' }, key)).status).toBe(422)
    expect((await sendEmail(dispatcher, message, key)).status).toBe(200)
    expect(provider.received().keys['welcome/9']).toEqual({ requests: 2, repeats: 1, sends: 1, replays: 0, conflicts: 0 })
  })
})

describe('mock email provider: records', () => {
  it('records every request, faulted ones included, so one logical send retried through a fault stays one send', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const headers = { 'idempotency-key': 'welcome/5', 'x-request-id': 'req-5' }
    provider.setScenario({ name: 'down' })
    expect((await sendEmail(dispatcher, message, headers)).status).toBe(503)
    provider.setScenario({ name: 'healthy' })
    expect((await sendEmail(dispatcher, message, headers)).status).toBe(200)
    expect((await sendEmail(dispatcher, message, headers)).status).toBe(200)

    const { sent, requests, keys } = provider.received()
    expect(requests).toEqual([
      { method: 'POST', path: '/emails', idempotencyKey: 'welcome/5', requestId: 'req-5', receivedAt: expect.any(Number) as number, scenario: { name: 'down' } },
      expect.objectContaining({ idempotencyKey: 'welcome/5', scenario: { name: 'healthy' } }),
      expect.objectContaining({ idempotencyKey: 'welcome/5', scenario: { name: 'healthy' } })
    ])
    expect(sent).toHaveLength(1)
    expect(keys).toEqual({ 'welcome/5': { requests: 3, repeats: 2, sends: 1, replays: 1, conflicts: 0 } })
  })

  it('forgets everything on clear(), the keys\' first responses included', async () => {
    const { dispatcher, provider } = inProcessEmail()
    const key = { 'idempotency-key': 'welcome/3' }
    const first = await sendEmail(dispatcher, message, key)
    provider.clear()
    expect(provider.received()).toEqual({ sent: [], requests: [], keys: {}, dropped: { sent: 0, requests: 0, keys: 0 } })
    const again = await sendEmail(dispatcher, message, key)
    expect(again.body).not.toEqual(first.body)
    expect(provider.received().sent).toHaveLength(1)
  })

  it('keeps at most maxRecords entries per record, the newest, and counts the ones it let go', async () => {
    const { dispatcher, provider } = inProcessEmail({ maxRecords: 2 })
    for (const n of [1, 2, 3]) await sendEmail(dispatcher, { ...message, subject: `n${n}` }, { 'idempotency-key': `k${n}` })
    const { sent, requests, keys, dropped } = provider.received()
    expect(sent.map((email) => email.subject)).toEqual(['n2', 'n3'])
    expect(requests).toHaveLength(2)
    expect(Object.keys(keys)).toEqual(['k2', 'k3'])
    expect(dropped).toEqual({ sent: 1, requests: 1, keys: 1 })
  })

  it('hands out copies: what a test holds does not change under it', async () => {
    const { dispatcher, provider } = inProcessEmail()
    await sendEmail(dispatcher, message, { 'idempotency-key': 'k' })
    const before = provider.received()
    await sendEmail(dispatcher, message, { 'idempotency-key': 'k' })
    expect(before.requests).toHaveLength(1)
    expect(before.keys.k).toMatchObject({ requests: 1 })
  })
})

describe('mock email provider: options', () => {
  it('rejects bad options with a RangeError naming them, and bad scenarios with a TypeError', () => {
    expect(() => createEmailProvider({ maxRecords: 0 })).toThrow(/maxRecords/)
    expect(() => createEmailProvider({ idempotencyTtlMs: -1 })).toThrow(RangeError)
    expect(() => createEmailProvider({ scenario: { name: 'flaky', failures: 0 } })).toThrow(TypeError)
    const provider = createEmailProvider()
    expect(() => { provider.setScenario({ name: 'slow', delayMs: -5 }) }).toThrow(TypeError)
    expect(provider.scenario).toEqual({ name: 'healthy' })
  })
})
