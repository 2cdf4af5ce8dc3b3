import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'
import { createOutbound } from '../../../../services/journeys/delivery/index.js'
import type { DeliveryBreakerSettings, Outbound, OutboundCall, OutboundOptions } from '../../../../services/journeys/delivery/index.js'
import { createManualClock } from '../../../../utils/clock.js'
import type { ManualClock } from '../../../../utils/clock.js'
import { createManualTimeouts } from '../../../helpers/mockedApp.js'
import type { ManualTimeouts } from '../../../helpers/mockedApp.js'

/** A request as a receiver saw it. */
export interface Received {
  readonly method: string | undefined
  readonly path: string | undefined
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export type Answer = (request: IncomingMessage, response: ServerResponse, body: string) => void

export interface Receiver {
  /** `http://127.0.0.1:<port>`, also its origin. */
  readonly url: string
  readonly port: number
  readonly received: Received[]
  /** Requests whose connection closed before they were answered. */
  readonly aborted: Received[]
}

/** A webhook receiver on 127.0.0.1 that records every request, then answers as `answer` says (default 200 JSON). */
export async function receiver (answer: Answer = (_request, response) => { response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}') }): Promise<Receiver> {
  const received: Received[] = []
  const aborted: Received[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => { body += chunk })
    request.on('end', () => {
      const seen = { method: request.method, path: request.url, headers: request.headers, body }
      received.push(seen)
      response.on('close', () => { if (!response.writableFinished) aborted.push(seen) })
      answer(request, response, body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, port, received, aborted }
}

/** A port nothing listens on. */
export async function closedPort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  return port
}

export const START = Date.parse('2025-01-01T00:00:00.000Z')

/** Threshold 3 in 10 s, open 1 s doubling to 30 s; with a draw of 0.5 every wait is the nominal one. */
export const breakerSettings: DeliveryBreakerSettings = { failureThreshold: 3, windowMs: 10_000, backoffBaseMs: 1000, backoffMaxMs: 30_000 }

export interface TestOutbound {
  readonly outbound: Outbound
  readonly clock: ManualClock
  readonly timeouts: ManualTimeouts
  readonly calls: OutboundCall[]
}

/** A sender with a manual clock and timeouts that fire when the test says; closed when the test ends. */
export function testOutbound (options: Partial<OutboundOptions> = {}): TestOutbound {
  const clock = createManualClock(START)
  const timeouts = createManualTimeouts()
  const calls: OutboundCall[] = []
  const outbound = createOutbound({
    timeoutMs: 5000,
    breaker: breakerSettings,
    clock: clock.now,
    random: () => 0.5,
    timeoutSignal: timeouts.create,
    onCall: (call) => { calls.push(call) },
    ...options
  })
  onTestFinished(() => outbound.close())
  return { outbound, clock, timeouts, calls }
}

/** The fields every request needs. */
export const step = { method: 'POST', idempotencyKey: 'run-1:step-1' } as const
