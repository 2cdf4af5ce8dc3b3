import { describe, expect, it } from 'vitest'
import type { BreakerTransition } from '../../../../services/journeys/delivery/index.js'
import { receiver, step, testOutbound } from './receiver.js'

describe('outbound delivery: one breaker per destination', () => {
  it('opens after 3 failures of one origin and fails fast, while another origin is unaffected; probes after the wait', async () => {
    let healthy = false
    const down = await receiver((_request, response) => { response.writeHead(healthy ? 200 : 502).end() })
    const up = await receiver()
    const changes: [string, BreakerTransition][] = []
    const { outbound, clock } = testOutbound({ onBreakerChange: (origin, change) => { changes.push([origin, change]) } })

    for (let i = 0; i < 3; i++) await outbound.send({ ...step, url: down.url })
    expect(down.received).toHaveLength(3)
    expect(changes).toStrictEqual([[down.url, { from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 1000 }]])

    expect(await outbound.send({ ...step, url: down.url })).toStrictEqual({
      kind: 'retry', reason: 'breaker-open', retryAfterMs: 1000, message: `${down.url} is failing; its circuit is open`
    })
    expect(down.received).toHaveLength(3)
    expect(await outbound.send({ ...step, url: up.url })).toMatchObject({ kind: 'delivered' })

    expect(outbound.breakers()).toStrictEqual({
      [down.url]: { state: 'open', consecutiveFailures: 3, attempt: 0, openedAt: new Date(clock.now()).toISOString(), retryAfterMs: 1000 },
      [up.url]: { state: 'closed', consecutiveFailures: 0, attempt: 0 }
    })

    clock.advance(999)
    expect(await outbound.send({ ...step, url: down.url })).toMatchObject({ kind: 'retry', reason: 'breaker-open', retryAfterMs: 1 })
    clock.advance(1)
    healthy = true
    expect(await outbound.send({ ...step, url: down.url })).toMatchObject({ kind: 'delivered' })
    expect(down.received).toHaveLength(4)
    expect(outbound.breakers()[down.url]).toMatchObject({ state: 'closed' })
  })

  it('reports the wait of a breaker that the failing call itself opened', async () => {
    const down = await receiver((request) => { request.socket.destroy() })
    const { outbound } = testOutbound()
    const results = []
    for (let i = 0; i < 3; i++) results.push(await outbound.send({ ...step, url: down.url }))
    expect(results.map((result) => result.kind === 'retry' ? [result.reason, result.retryAfterMs] : result.kind)).toStrictEqual([
      ['disconnected', undefined], ['disconnected', undefined], ['disconnected', 1000]
    ])
  })

  it('counts timeouts as failures', async () => {
    const slow = await receiver(() => { /* never answers */ })
    const { outbound, timeouts } = testOutbound()
    for (let i = 0; i < 3; i++) {
      const sending = outbound.send({ ...step, url: slow.url })
      await expect.poll(() => slow.received.length).toBe(i + 1)
      timeouts.fire()
      await sending
    }
    expect(outbound.breakers()[slow.url]).toMatchObject({ state: 'open' })
  })

  it('raises the backoff step when the probe fails', async () => {
    const down = await receiver((_request, response) => { response.writeHead(500).end() })
    const { outbound, clock } = testOutbound()
    for (let i = 0; i < 3; i++) await outbound.send({ ...step, url: down.url })
    clock.advance(1000)
    expect(await outbound.send({ ...step, url: down.url })).toMatchObject({ kind: 'retry', reason: 'status', status: 500, retryAfterMs: 2000 })
    expect(outbound.breakers()[down.url]).toMatchObject({ state: 'open', attempt: 1, retryAfterMs: 2000 })
  })

  it('pauses on a 429 without raising the backoff step, for its Retry-After or else the nominal wait', async () => {
    const retryAfter = ['7', undefined, undefined]
    const busy = await receiver((_request, response) => {
      const wait = retryAfter.shift()
      response.writeHead(429, wait === undefined ? {} : { 'retry-after': wait }).end()
    })
    const { outbound, clock } = testOutbound()

    expect(await outbound.send({ ...step, url: busy.url })).toMatchObject({ kind: 'retry', reason: 'throttled', status: 429, retryAfterMs: 7000 })
    expect(outbound.breakers()[busy.url]).toMatchObject({ state: 'open', attempt: 0, consecutiveFailures: 0, retryAfterMs: 7000 })
    expect(await outbound.send({ ...step, url: busy.url })).toMatchObject({ kind: 'retry', reason: 'breaker-open' })
    expect(busy.received).toHaveLength(1)

    for (let i = 0; i < 2; i++) {
      clock.advance(outbound.breakers()[busy.url]?.retryAfterMs ?? 0)
      expect(await outbound.send({ ...step, url: busy.url })).toMatchObject({ kind: 'retry', reason: 'throttled', retryAfterMs: 1000 })
      expect(outbound.breakers()[busy.url]).toMatchObject({ state: 'open', attempt: 0, retryAfterMs: 1000 })
    }
  })

  it("takes other 4xx as the step's fault: they never open the breaker, and break a run of failures", async () => {
    const statuses = [500, 500, 400, 500, 500, 404, 404, 404]
    const hook = await receiver((_request, response) => { response.writeHead(statuses.shift()!).end() })
    const { outbound } = testOutbound()
    for (let i = 0; i < 8; i++) await outbound.send({ ...step, url: hook.url })
    expect(hook.received).toHaveLength(8)
    expect(outbound.breakers()[hook.url]).toMatchObject({ state: 'closed', consecutiveFailures: 0 })
  })

  it('does not count a cancelled call against its destination', async () => {
    const failures = [500, 500]
    const hook = await receiver((_request, response) => {
      const status = failures.shift()
      if (status !== undefined) response.writeHead(status).end()
    })
    const { outbound } = testOutbound()
    for (let i = 0; i < 2; i++) await outbound.send({ ...step, url: hook.url })
    const controller = new AbortController()
    const sending = outbound.send({ ...step, url: hook.url, signal: controller.signal })
    await expect.poll(() => hook.received.length).toBe(3)
    controller.abort()
    expect(await sending).toStrictEqual({ kind: 'cancelled' })
    expect(outbound.breakers()[hook.url]).toMatchObject({ state: 'closed', consecutiveFailures: 2 })
  })

  it('remembers at most maxOrigins breakers, forgetting the least recently called', async () => {
    const hooks = await Promise.all([receiver(), receiver(), receiver()])
    const [a, b, c] = hooks.map((hook) => hook.url) as [string, string, string]
    const { outbound } = testOutbound({ maxOrigins: 2 })
    await outbound.send({ ...step, url: a })
    await outbound.send({ ...step, url: b })
    await outbound.send({ ...step, url: a })
    await outbound.send({ ...step, url: c })
    expect(Object.keys(outbound.breakers())).toStrictEqual([a, c])
  })

  it('remembers no breaker for a destination it refuses', async () => {
    const { outbound } = testOutbound({ allowedHosts: ['hooks.example.com'] })
    for (let i = 0; i < 5; i++) await outbound.send({ ...step, url: `http://other-${i}.example.com/` })
    expect(outbound.breakers()).toStrictEqual({})
  })

  it('fails fast on bad breaker settings, naming the setting', () => {
    expect(() => testOutbound({ breaker: { failureThreshold: 0, windowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000 } })).toThrow(/threshold must be a positive integer, got 0/)
    expect(() => testOutbound({ breaker: { failureThreshold: 3, windowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 10 } })).toThrow(/maxMs must be an integer/)
    expect(() => testOutbound({ maxOrigins: 0 })).toThrow(/outbound.maxOrigins must be a positive integer, got 0/)
    expect(() => testOutbound({ timeoutMs: -1 })).toThrow(/outbound.timeoutMs must be a positive number/)
  })
})
