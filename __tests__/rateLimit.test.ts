import { describe, expect, it } from 'vitest'
import { addEvent, buildTestApp } from './helpers/testApp.js'

describe('rate limiting', () => {
  it('answers 429 problem+json with Retry-After once a client exceeds RATE_LIMIT_MAX per minute', async () => {
    const { app, eventService } = await buildTestApp({ config: { rateLimitMax: 3 } })
    for (let i = 0; i < 3; i++) expect((await app.inject('/getUsers')).statusCode).toBe(200)

    const limited = await app.inject('/getUsers')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60)
    expect(limited.json<{ code: string, status: number }>()).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', status: 429 })

    const write = await addEvent(app, { name: 'x', userId: '1' })
    expect(write.statusCode).toBe(429)
    expect(eventService.received).toHaveLength(0)
  })

  it('never limits /health and /ready', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 1 } })
    for (let i = 0; i < 5; i++) {
      expect((await app.inject('/health')).statusCode).toBe(200)
      expect((await app.inject('/ready')).statusCode).toBe(200)
    }
  })

  it('is off when RATE_LIMIT_MAX is 0', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 0 } })
    const statuses = await Promise.all(Array.from({ length: 300 }, () => app.inject('/getEventsByUserId/1')))
    expect(statuses.every((response) => response.statusCode === 200)).toBe(true)
    expect(statuses[0]?.headers['x-ratelimit-limit']).toBeUndefined()
  })
})
