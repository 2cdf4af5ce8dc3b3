import { describe, expect, it, onTestFinished } from 'vitest'
import Fastify from 'fastify'
import type { FastifyBaseLogger } from 'fastify'
import pino from 'pino'
import { defaultConfig } from '../../../services/config.js'
import { httpServerOptions } from '../../../services/http/httpPlugin.js'

async function requestLoggerIs (level: string, routeLevel?: string): Promise<{ parent: boolean, level: string }> {
  const logger: FastifyBaseLogger = pino({ level })
  const app = Fastify({ ...httpServerOptions(defaultConfig.http), loggerInstance: logger })
  onTestFinished(() => app.close())
  app.get('/log', { ...routeLevel !== undefined && { logLevel: routeLevel } }, (request) => ({ parent: request.log === app.log, level: request.log.level }))
  return (await app.inject({ url: '/log' })).json()
}

describe('per-request logger', () => {
  it('is the parent logger itself when it drops every line', async () => {
    expect(await requestLoggerIs('silent')).toEqual({ parent: true, level: 'silent' })
  })

  it('is a child carrying the request id at any other level', async () => {
    expect(await requestLoggerIs('info')).toEqual({ parent: false, level: 'info' })
  })

  it('is a child when the route asks for a level of its own, even under a silent parent', async () => {
    expect(await requestLoggerIs('silent', 'warn')).toEqual({ parent: false, level: 'warn' })
  })
})
