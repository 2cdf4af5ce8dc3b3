import { describe, expect, it } from 'vitest'
import { closedPort, receiver, step, testOutbound } from './receiver.js'

describe('outbound delivery: answers', () => {
  it('delivers a POST with its JSON body, and reads a JSON answer', async () => {
    const hook = await receiver((_request, response) => { response.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end('{"id":"msg-1"}') })
    const { outbound } = testOutbound()
    const result = await outbound.send({ ...step, url: `${hook.url}/hooks/a?x=1`, body: '{"hello":"world"}' })

    expect(result).toStrictEqual({ kind: 'delivered', status: 201, body: { id: 'msg-1' }, truncated: false })
    expect(hook.received).toMatchObject([{ method: 'POST', path: '/hooks/a?x=1', body: '{"hello":"world"}' }])
    expect(hook.received[0]?.headers['content-type']).toBe('application/json')
  })

  it('reads a text answer as text, an empty one as undefined, and JSON with __proto__ without it', async () => {
    const answers = [
      { type: 'text/plain', body: 'queued' },
      { type: 'application/json', body: '' },
      { type: 'application/json', body: '{"a":1,"__proto__":{"polluted":true}}' },
      { type: 'application/json', body: 'not json' }
    ]
    const hook = await receiver((_request, response) => {
      const answer = answers.shift()!
      response.writeHead(200, { 'content-type': answer.type }).end(answer.body)
    })
    const { outbound } = testOutbound()
    const bodies: unknown[] = []
    for (let i = 0; i < 4; i++) {
      const result = await outbound.send({ ...step, url: hook.url })
      if (result.kind === 'delivered') bodies.push(result.body)
    }
    expect(bodies).toStrictEqual(['queued', undefined, { a: 1 }, 'not json'])
  })

  it('reads at most maxResponseBytes of an answer, and says it stopped', async () => {
    const hook = await receiver((_request, response) => { response.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(100_000)}"`) })
    const { outbound } = testOutbound({ maxResponseBytes: 1000 })
    const result = await outbound.send({ ...step, url: hook.url })
    expect(result).toMatchObject({ kind: 'delivered', status: 200, truncated: true })
    expect(result.kind === 'delivered' && typeof result.body === 'string' && result.body.length).toBe(1000)
  })

  it('sends the idempotency key and the request id, over any the step set itself, and no content-type without a body', async () => {
    const hook = await receiver()
    const { outbound } = testOutbound()
    await outbound.send({
      url: hook.url,
      method: 'GET',
      idempotencyKey: 'run-7:step-3',
      requestId: 'req-9',
      headers: { 'Idempotency-Key': 'forged', authorization: 'Bearer t' }
    })
    const headers = hook.received[0]?.headers
    expect(headers).toMatchObject({ 'idempotency-key': 'run-7:step-3', 'x-request-id': 'req-9', authorization: 'Bearer t' })
    expect(headers).not.toHaveProperty('content-type')
  })

  it('answers permanent for a 4xx, with the start of its body, and for a redirect, which it does not follow', async () => {
    const hook = await receiver((request, response) => {
      if (request.url === '/moved') response.writeHead(302, { location: 'http://169.254.169.254/' }).end()
      else response.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"bad address"}')
    })
    const { outbound } = testOutbound()
    expect(await outbound.send({ ...step, url: hook.url })).toStrictEqual({
      kind: 'permanent', reason: 'status', status: 422, message: `POST ${hook.url} answered 422: {"error":"bad address"}`
    })
    expect(await outbound.send({ ...step, url: `${hook.url}/moved` })).toMatchObject({ kind: 'permanent', reason: 'status', status: 302 })
    expect(hook.received).toHaveLength(2)
  })

  it('answers retry for 5xx, 408 and 429', async () => {
    const statuses = [500, 503, 408, 429]
    const hook = await receiver((_request, response) => { response.writeHead(statuses.shift()!).end() })
    const { outbound } = testOutbound({ breaker: { failureThreshold: 10, windowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000 } })
    const results = []
    for (let i = 0; i < 4; i++) results.push(await outbound.send({ ...step, url: hook.url }))
    expect(results.map((result) => result.kind === 'retry' && [result.reason, result.status])).toStrictEqual([
      ['status', 500], ['status', 503], ['status', 408], ['throttled', 429]
    ])
  })

  it("honours the destination's Retry-After, in seconds or as a date", async () => {
    // A base of 1 s: the breaker's own wait is shorter than either header, which it honours up to 300 s.
    const { outbound, clock } = testOutbound({ breaker: { failureThreshold: 10, windowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 300_000 } })
    const retryAfter = [() => '120', () => new Date(clock.now() + 90_000).toUTCString()]
    const hook = await receiver((_request, response) => { response.writeHead(503, { 'retry-after': retryAfter.shift()!() }).end() })

    expect(await outbound.send({ ...step, url: hook.url })).toMatchObject({ kind: 'retry', reason: 'status', status: 503, retryAfterMs: 120_000 })
    clock.advance(120_000)
    expect(await outbound.send({ ...step, url: hook.url })).toMatchObject({ kind: 'retry', reason: 'status', status: 503, retryAfterMs: 90_000 })
    expect(hook.received).toHaveLength(2)
  })

  it("takes the breaker's wait when it is longer than the destination's Retry-After", async () => {
    const hook = await receiver((_request, response) => { response.writeHead(503, { 'retry-after': '1' }).end() })
    const { outbound } = testOutbound({ breaker: { failureThreshold: 1, windowMs: 10_000, backoffBaseMs: 5000, backoffMaxMs: 30_000 } })
    expect(await outbound.send({ ...step, url: hook.url })).toMatchObject({ kind: 'retry', reason: 'status', status: 503, retryAfterMs: 5000 })
  })
})

describe('outbound delivery: failures on the way', () => {
  it('answers retry (timeout) when the deadline passes, and aborts the request', async () => {
    const hook = await receiver(() => { /* never answers */ })
    const { outbound, timeouts } = testOutbound()
    const sending = outbound.send({ ...step, url: hook.url, body: '{}' })
    await expect.poll(() => hook.received.length).toBe(1)
    timeouts.fire()
    expect(await sending).toStrictEqual({ kind: 'retry', reason: 'timeout', message: `POST ${hook.url} did not answer in time` })
    await expect.poll(() => hook.aborted.length).toBe(1)
  })

  it('answers retry (disconnected) when the destination drops the connection', async () => {
    const hook = await receiver((request) => { request.socket.destroy() })
    const { outbound } = testOutbound()
    expect(await outbound.send({ ...step, url: hook.url })).toMatchObject({ kind: 'retry', reason: 'disconnected' })
  })

  it('answers retry (unreachable) when nothing listens', async () => {
    const port = await closedPort()
    const { outbound } = testOutbound()
    expect(await outbound.send({ ...step, url: `http://127.0.0.1:${port}/` })).toMatchObject({ kind: 'retry', reason: 'unreachable' })
  })

  it('sends the same Idempotency-Key and x-request-id on every attempt', async () => {
    const statuses = [503, 500, 200]
    const hook = await receiver((request, response) => {
      if (statuses.length === 3) { statuses.shift(); request.socket.destroy(); return }
      response.writeHead(statuses.shift()!).end()
    })
    const { outbound } = testOutbound({ breaker: { failureThreshold: 10, windowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000 } })
    const request = { ...step, url: hook.url, body: '{"n":1}', idempotencyKey: 'run-1:send-welcome', requestId: 'req-1' }
    const kinds = []
    for (let i = 0; i < 3; i++) kinds.push((await outbound.send(request)).kind)

    expect(kinds).toStrictEqual(['retry', 'retry', 'delivered'])
    expect(hook.received.map((seen) => [seen.headers['idempotency-key'], seen.headers['x-request-id'], seen.body])).toStrictEqual(
      Array.from({ length: 3 }, () => ['run-1:send-welcome', 'req-1', '{"n":1}'])
    )
  })

  it('reports every call with its origin, outcome and duration', async () => {
    const statuses = [200, 404, 503]
    const { outbound, calls, clock } = testOutbound()
    const hook = await receiver((_request, response) => {
      clock.advance(25)
      response.writeHead(statuses.shift()!).end()
    })
    for (let i = 0; i < 3; i++) await outbound.send({ ...step, url: `${hook.url}/secret-token` })
    expect(calls).toStrictEqual([
      { origin: hook.url, kind: 'delivered', status: 200, durationMs: 25 },
      { origin: hook.url, kind: 'permanent', reason: 'status', status: 404, durationMs: 25 },
      { origin: hook.url, kind: 'retry', reason: 'status', status: 503, durationMs: 25 }
    ])
  })
})

describe('outbound delivery: invalid requests', () => {
  it.each([
    ['a relative URL', { url: '/hooks' }],
    ['a non-http URL', { url: 'ftp://files.example/x' }],
    ['credentials in the URL', { url: 'http://user:pass@127.0.0.1:9/' }],
    ['an unknown method', { url: 'http://127.0.0.1:9/', method: 'TRACE' }],
    ['a header value with a line break', { url: 'http://127.0.0.1:9/', headers: { 'x-a': 'b\r\nx-injected: 1' } }],
    ['a header HTTP sets itself', { url: 'http://127.0.0.1:9/', headers: { 'Transfer-Encoding': 'chunked' } }],
    ['a header name that is not a token', { url: 'http://127.0.0.1:9/', headers: { 'x a': 'b' } }],
    ['an empty idempotency key', { url: 'http://127.0.0.1:9/', idempotencyKey: '' }]
  ])('answers permanent (invalid-request) for %s, without sending', async (_name, overrides) => {
    const { outbound, calls } = testOutbound()
    expect(await outbound.send({ ...step, ...overrides })).toMatchObject({ kind: 'permanent', reason: 'invalid-request' })
    expect(outbound.breakers()).toStrictEqual({})
    expect(calls.filter((call) => call.kind !== 'permanent')).toStrictEqual([])
  })
})

describe('outbound delivery: cancel', () => {
  it('aborts the request in flight when the caller cancels, and answers cancelled', async () => {
    const hook = await receiver(() => { /* never answers */ })
    const { outbound } = testOutbound()
    const controller = new AbortController()
    const sending = outbound.send({ ...step, url: hook.url, signal: controller.signal })
    await expect.poll(() => hook.received.length).toBe(1)
    controller.abort()

    expect(await sending).toStrictEqual({ kind: 'cancelled' })
    await expect.poll(() => hook.aborted.length).toBe(1)
  })

  it('sends nothing when the signal has already aborted', async () => {
    const hook = await receiver()
    const { outbound } = testOutbound()
    expect(await outbound.send({ ...step, url: hook.url, signal: AbortSignal.abort() })).toStrictEqual({ kind: 'cancelled' })
    expect(hook.received).toStrictEqual([])
  })

  it('sends nothing once closed, and closes after the calls in flight', async () => {
    let answer: () => void = () => undefined
    const hook = await receiver((_request, response) => { answer = () => { response.writeHead(200).end() } })
    const { outbound } = testOutbound()
    const sending = outbound.send({ ...step, url: hook.url })
    await expect.poll(() => hook.received.length).toBe(1)
    const closing = outbound.close()
    expect(await outbound.send({ ...step, url: hook.url })).toMatchObject({ kind: 'retry', reason: 'unreachable' })
    answer()
    expect(await sending).toMatchObject({ kind: 'delivered' })
    await closing
  })
})
