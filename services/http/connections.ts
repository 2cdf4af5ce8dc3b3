import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { FastifyServerFactory } from 'fastify'
import { rawProblem } from './rawProblem.js'
import type { HttpSettings } from './settings.js'
import { trackRequest } from './socketRequests.js'

export type TimeoutKind = 'headers' | 'request' | 'body'

/** What the connection layer has done so far; read by the metrics at every scrape. */
export interface ConnectionStats {
  /** Client connections open now. */
  readonly open: number
  /** Connections refused at once because MAX_CONNECTIONS were open. */
  readonly refused: number
  /** Connections closed (with a 408 where one was owed) because a request did not arrive in time. */
  readonly timeouts: Readonly<Record<TimeoutKind, number>>
  /** Connections closed after bytes that are not HTTP. */
  readonly protocolErrors: number
}

interface MutableStats {
  open: number
  refused: number
  timeouts: Record<TimeoutKind, number>
  protocolErrors: number
}

const statsByServer = new WeakMap<Server, MutableStats>()
const expectingContinue = new WeakSet<IncomingMessage>()

/** The counters of a server made by `httpServerFactory`; all zero for any other. */
export function connectionStatsOf (server: Server): MutableStats {
  let stats = statsByServer.get(server)
  if (stats === undefined) {
    stats = { open: 0, refused: 0, timeouts: { headers: 0, request: 0, body: 0 }, protocolErrors: 0 }
    statsByServer.set(server, stats)
  }
  return stats
}

/** Whether the client sent `Expect: 100-continue` and has not been told to send its body yet. */
export function awaitsContinue (request: IncomingMessage): boolean {
  return expectingContinue.has(request)
}

/** Sends `100 Continue` to a client that waits for it before sending its body. */
export function sendContinue (request: IncomingMessage, response: ServerResponse): void {
  if (expectingContinue.delete(request)) response.writeContinue()
}

/** The soft limit on open files, from /proc/self/limits; undefined where it cannot be read. */
export function openFileLimit (): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((text) => text.startsWith('Max open files'))
    const soft = line === undefined ? Number.NaN : Number(line.slice('Max open files'.length).trim().split(/\s+/)[0])
    return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined
  } catch {
    return undefined
  }
}

/**
 * MAX_CONNECTIONS when unset: the open-file limit less a tenth and 256 more, which leaves room for
 * the sockets to event.com and other upstreams, the database, log files and the process's own.
 * Without a readable limit, the common default of 1024 is assumed.
 */
export function defaultMaxConnections (fileLimit = openFileLimit()): number {
  return Math.max(64, Math.floor((fileLimit ?? 1024) * 0.9) - 256)
}

/**
 * How often Node looks for requests past their headers or request timeout: Node's 30 s default
 * would let a silent socket live 30 s beyond its timeout; this keeps the bound within about a second.
 */
export function connectionsCheckingIntervalMs (headersTimeoutMs: number): number {
  return Math.max(25, Math.min(1000, Math.floor(headersTimeoutMs / 4)))
}

/**
 * Fastify's server, built with the limits that keep a careless or hostile client from holding it
 * down: at most MAX_CONNECTIONS connections (more are refused at once), a request head within
 * HEADERS_TIMEOUT_MS, a whole request within REQUEST_TIMEOUT_MS, idle keep-alive connections closed
 * after KEEP_ALIVE_TIMEOUT_MS. `Expect: 100-continue` is answered by the routes themselves (the
 * continue is sent only when the body is about to be read), any other expectation with a 417 problem.
 */
export function httpServerFactory (settings: Pick<HttpSettings, 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>): FastifyServerFactory {
  return (handler) => {
    const server = createServer({
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(settings.headersTimeoutMs)
    })
    server.maxConnections = settings.maxConnections ?? defaultMaxConnections()
    const stats = connectionStatsOf(server)
    server.on('connection', (socket) => {
      stats.open += 1
      socket.once('close', () => { stats.open -= 1 })
    })
    server.on('drop', () => { stats.refused += 1 })
    // Counted before Fastify sees the request, so pipelined requests are counted in the order they were read.
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      trackRequest(request, response)
      handler(request, response)
    })
    server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      expectingContinue.add(request)
      trackRequest(request, response)
      handler(request, response)
    })
    server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
      const problem = rawProblem('GW_ERR_EXPECTATION_FAILED', 'Only Expect: 100-continue is supported')
      response.writeHead(problem.status, problem.headers).end(problem.body)
    })
    return server
  }
}
