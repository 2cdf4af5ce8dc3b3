import { request } from 'undici'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startMocks, type MocksOptions, type RunningMocks } from '../../mocks/bridge.js'
import { call, message, untilTrue, uuidPattern } from '../helpers/deliveryRequests.js'
import { settle } from '../helpers/mockEventServiceRequests.js'

async function start (options: MocksOptions = {}): Promise<RunningMocks> {
  const mocks = await startMocks({ scenario: { name: 'healthy' }, getEventByIdDelayMs: 0, ...options })
  onTestFinished(() => mocks.close())
  return mocks
}

describe('the bridge: three mocks on one socket', () => {
  it('serves event.com at the root, the email provider under /email and the webhook receiver under /webhooks', async () => {
    const mocks = await start()
    expect(mocks.emailUrl).toBe(`${mocks.url}/email`)
    expect(mocks.webhooksUrl).toBe(`${mocks.url}/webhooks`)

    expect(await call(`${mocks.url}/getUserById/1`)).toMatchObject({ status: 200, body: { id: 1, userName: 'alice' } })

    const sent = await call(`${mocks.emailUrl}/emails`, { body: message, headers: { 'idempotency-key': 'welcome/1', 'x-request-id': 'req-1' } })
    expect(sent).toMatchObject({ status: 200, body: { id: expect.stringMatching(uuidPattern) as string } })
    expect(mocks.email.received().sent).toMatchObject([{ ...message, idempotencyKey: 'welcome/1', requestId: 'req-1' }])

    const hook = await call(`${mocks.webhooksUrl}/hooks/signup?v=2`, { method: 'PUT', body: { a: 1 }, headers: { 'idempotency-key': 'k' } })
    expect(hook).toMatchObject({ status: 200, body: { received: true } })
    expect(mocks.webhooks.received().requests).toMatchObject([{ method: 'PUT', path: '/hooks/signup?v=2', json: { a: 1 }, headers: { 'idempotency-key': 'k' } }])
    // The prefixes are the bridge's, not the models': event.com saw none of it.
    expect(mocks.service.state.events).toHaveLength(4)
  })

  it('takes the prefixes only as whole path segments', async () => {
    const mocks = await start()
    expect(await call(`${mocks.url}/email`)).toMatchObject({ status: 404, body: { statusCode: 404, name: 'not_found' } })
    expect(await call(`${mocks.url}/emails`)).toMatchObject({ status: 404, body: { success: false, error: 'Not Found' } })
    expect(await call(`${mocks.url}/webhooks`, { method: 'POST', body: {} })).toMatchObject({ status: 200, body: { received: true } })
    expect(mocks.webhooks.received().requests).toMatchObject([{ path: '/' }])
    expect(await call(`${mocks.url}/webhooksx`)).toMatchObject({ status: 404, body: { success: false } })
  })

  it('keeps each model\'s scenario its own', async () => {
    const mocks = await start({ email: { scenario: { name: 'down' } }, webhooks: { scenario: { name: 'throttled', retryAfter: '4' } } })
    expect((await call(`${mocks.url}/getUsers`)).status).toBe(200)
    expect((await call(`${mocks.emailUrl}/emails`, { body: message })).status).toBe(503)
    expect(await call(`${mocks.webhooksUrl}/a`, { method: 'POST', body: {} })).toMatchObject({ status: 429, headers: { 'retry-after': '4' } })
  })

  it('drops the connection for reset, and leaves a hanging request open until the client gives up', async () => {
    const mocks = await start({ email: { scenario: { name: 'reset' } }, webhooks: { scenario: { name: 'hanging' } } })
    await expect(request(`${mocks.emailUrl}/emails`, { method: 'POST', body: JSON.stringify(message) })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
    expect(mocks.email.received().requests).toMatchObject([{ scenario: { name: 'reset' } }])

    const controller = new AbortController()
    const hanging = settle(request(`${mocks.webhooksUrl}/hooks/a`, { method: 'POST', body: '{}', signal: controller.signal }))
    await untilTrue(() => mocks.webhooks.received().requests.length === 1)
    mocks.webhooks.setScenario({ name: 'healthy' })
    expect((await call(`${mocks.webhooksUrl}/hooks/b`, { method: 'POST', body: {} })).status).toBe(200)
    controller.abort()
    expect(await hanging).toMatchObject({ ok: false, error: { name: 'AbortError' } })
  })

  it('applies maxBodyBytes to every mock', async () => {
    const mocks = await start({ maxBodyBytes: 64 })
    expect(await call(`${mocks.webhooksUrl}/a`, { method: 'POST', body: { pad: 'x'.repeat(100) } })).toMatchObject({ status: 413 })
    expect(mocks.webhooks.received().requests).toEqual([])
  })
})

describe.each([
  ['email', (mocks: RunningMocks) => ({ base: mocks.emailUrl, path: '/emails', body: message })],
  ['webhooks', (mocks: RunningMocks) => ({ base: mocks.webhooksUrl, path: '/hooks/a', body: { a: 1 } })]
])('the bridge: control API of %s', (name, target) => {
  const control = (mocks: RunningMocks, route: string): string => `${mocks.url}/__mock/${name}/${route}`

  it('PUT scenario switches it (204), GET scenario shows it, and the burst counts down over the socket', async () => {
    const mocks = await start()
    const { base, path, body } = target(mocks)
    expect(await call(control(mocks, 'scenario'), { method: 'PUT', body: { name: 'flaky', failures: 2 } })).toMatchObject({ status: 204, body: undefined })
    expect(await call(control(mocks, 'scenario'))).toMatchObject({ status: 200, body: { name: 'flaky', failures: 2 } })
    const statuses: number[] = []
    for (let n = 0; n < 3; n += 1) statuses.push((await call(`${base}${path}`, { body, headers: { 'idempotency-key': 'one' } })).status)
    expect(statuses).toEqual([503, 503, 200])
    expect(await call(control(mocks, 'scenario'))).toMatchObject({ status: 200, body: { name: 'healthy' } })
    // event.com's scenario did not move.
    expect(await call(`${mocks.url}/__mock/scenario`)).toMatchObject({ body: { name: 'healthy' } })
  })

  it('GET received shows what arrived, with the repeats per key; DELETE received forgets it (204)', async () => {
    const mocks = await start()
    const { base, path, body } = target(mocks)
    for (let n = 0; n < 2; n += 1) await call(`${base}${path}`, { body, headers: { 'idempotency-key': 'again', 'x-request-id': `req-${n}` } })
    const received = await call(control(mocks, 'received'))
    expect(received.status).toBe(200)
    expect(received.body).toMatchObject({
      requests: [{ method: 'POST', path, scenario: { name: 'healthy' } }, { method: 'POST', path }],
      keys: { again: { requests: 2, repeats: 1 } }
    })
    expect(await call(control(mocks, 'received'), { method: 'DELETE' })).toMatchObject({ status: 204, body: undefined })
    expect(await call(control(mocks, 'received'))).toMatchObject({ status: 200, body: { requests: [], keys: {} } })
  })

  it.each([
    ['an unknown name', { name: 'original' }],
    ['a burst without failures', { name: 'flaky' }],
    ['a burst of a status that is no 5xx', { name: 'flaky', failures: 1, status: 429 }],
    ['no object', 'down']
  ])('PUT scenario answers 400 to %s and keeps the scenario', async (_case, body) => {
    const mocks = await start()
    const reply = await call(control(mocks, 'scenario'), { method: 'PUT', body })
    expect(reply).toMatchObject({ status: 400, body: { success: false, error: 'Bad Request' } })
    expect(reply.body).toHaveProperty('message')
    expect(await call(control(mocks, 'scenario'))).toMatchObject({ body: { name: 'healthy' } })
  })

  it('PUT scenario answers 400 to a body that is not JSON, and 404 JSON to an unknown route', async () => {
    const mocks = await start()
    expect(await call(control(mocks, 'scenario'), { method: 'PUT', rawBody: 'down' })).toMatchObject({ status: 400, body: { success: false } })
    expect(await call(control(mocks, 'stats'))).toMatchObject({ status: 404, body: { success: false, error: 'Not Found' } })
    expect(await call(control(mocks, 'received'), { method: 'POST', body: {} })).toMatchObject({ status: 404 })
  })
})

describe('the bridge: the email provider over the socket', () => {
  it('shows one send for a logical send repeated under one key, and the sent messages in GET received', async () => {
    const mocks = await start()
    const headers = { 'idempotency-key': 'receipt/1' }
    const first = await call(`${mocks.emailUrl}/emails`, { body: message, headers })
    expect(await call(`${mocks.emailUrl}/emails`, { body: message, headers })).toMatchObject({ status: 200, body: first.body })
    expect(await call(`${mocks.emailUrl}/emails`, { body: { ...message, text: 'changed' }, headers })).toMatchObject({ status: 409, body: { name: 'invalid_idempotent_request' } })
    expect((await call(`${mocks.url}/__mock/email/received`)).body).toMatchObject({
      sent: [{ ...message, id: (first.body as { id: string }).id, idempotencyKey: 'receipt/1' }],
      keys: { 'receipt/1': { requests: 3, repeats: 2, sends: 1, replays: 1, conflicts: 1 } }
    })
  })
})
