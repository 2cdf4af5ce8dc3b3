import { Writable } from 'node:stream'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import pino from 'pino'
import { onTestFinished } from 'vitest'
import { defaultConfig } from '../../services/config.js'
import { httpPlugin, httpServerOptions } from '../../services/http/httpPlugin.js'

/** One pino line, parsed. */
export type LogLine = Readonly<Record<string, unknown>>

/** A Fastify app with the gateway's HTTP layer and an info-level pino logger whose lines are kept, parsed; closed when the test ends. */
export function loggedHttpApp (): { app: FastifyInstance, lines: LogLine[] } {
  const lines: LogLine[] = []
  const destination = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as LogLine)
      callback()
    }
  })
  const logger: FastifyBaseLogger = pino({ level: 'info' }, destination)
  const app = Fastify({ ...httpServerOptions(defaultConfig.http), loggerInstance: logger })
  void app.register(httpPlugin, defaultConfig.http)
  onTestFinished(() => app.close())
  return { app, lines }
}
