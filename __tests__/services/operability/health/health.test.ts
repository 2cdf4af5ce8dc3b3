import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../../services/http/errors.js'
import { createHealth } from '../../../../services/operability/health/health.js'
import { buildTestApp } from '../../../helpers/testApp.js'

describe('createHealth', () => {
  it('keeps sections in the order reported, and refuses one reported after the routes read them', () => {
    const health = createHealth()
    health.report({ name: 'a', schema: { type: 'object' }, read: () => ({}) })
    health.report({ name: 'b', schema: { type: 'object' }, read: () => ({}) })
    expect(health.sections().map((section) => section.name)).toEqual(['a', 'b'])
    expect(() => { health.report({ name: 'late', schema: {}, read: () => ({}) }) }).toThrow(/after the health routes/)
  })

  it('is ready once every check passes, and says why not with the first that fails', () => {
    const health = createHealth()
    expect(health.notReady()).toBeUndefined()
    const first = new GatewayError('GW_ERR_STORE_NOT_READY', 'first')
    let firstReady = false
    health.readiness(() => firstReady ? undefined : first)
    health.readiness(() => new GatewayError('GW_ERR_STORE_NOT_READY', 'second'))
    expect(health.notReady()).toBe(first)
    firstReady = true
    expect(health.notReady()?.message).toBe('second')
  })
})

describe('GET /health and /ready', () => {
  it('show every section the gateway reports, in its order', async () => {
    const { app } = await buildTestApp()
    const body = (await app.inject('/health')).json<Record<string, unknown>>()
    expect(Object.keys(body)).toEqual(['status', 'breaker', 'store'])
    expect((await app.inject('/ready')).json()).toEqual({ ready: true })
  })

  it('answer /ready with the first failing check as a 503 problem', async () => {
    const { app } = await buildTestApp({ hydrate: true })
    app.addHook('onReady', () => { app.hydrator.stop() })
    await app.ready()
    const response = await app.inject('/ready')
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_STORE_NOT_READY' })
    expect(response.headers['retry-after']).toBe('1')
  })
})
