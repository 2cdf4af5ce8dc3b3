import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getResponse } from 'msw'
import { pino, type Logger } from 'pino'
import { CONTROL_PREFIX, handleControlRequest } from './controlApi.js'
import { createEventService, type EventService, type EventServiceOptions } from './eventService.js'
import { failureBody } from './failureResponse.js'
import { EVENT_SERVICE_ORIGIN } from './origin.js'
import { readRequestBody } from './requestBody.js'
import { SCENARIO_HEADER, type Scenario } from './scenario.js'
import { sendFetchResponse, sendJson } from './sendResponse.js'
import { toFetchRequest } from './toFetchRequest.js'

export interface MockEventServiceOptions extends EventServiceOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0: an ephemeral port, read back from `url`. */
  port?: number
  /** Default: a silent logger. */
  logger?: Logger
  /** Largest request body accepted, in bytes; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number
}

export interface ReceivedRequest {
  method: string
  /** Path and query, as sent. */
  path: string
}

/** event.com on a real socket, for clients MSW cannot intercept (undici's `request`, `Pool`). */
export interface MockEventService {
  /** e.g. `http://127.0.0.1:43123`, no trailing slash. */
  readonly url: string
  readonly service: EventService
  setScenario: (scenario: Scenario) => void
  /** event.com requests received and not yet answered. */
  readonly inFlight: number
  /** Resolves once the next event.com request has been read, before its handler runs. */
  nextRequest: () => Promise<ReceivedRequest>
  /** Stops listening and destroys every connection, answered or not. Idempotent. */
  close: () => Promise<void>
}

function isBodyless (method: string): boolean {
  return method === 'GET' || method === 'HEAD'
}

function formatUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** Starts event.com's MSW handlers behind a node:http server; resolves once it listens. */
export async function startMockEventService (options: MockEventServiceOptions = {}): Promise<MockEventService> {
  const { host = '127.0.0.1', port = 0, maxBodyBytes = 1024 * 1024 } = options
  const logger = options.logger ?? pino({ enabled: false })
  const service = createEventService(options)
  let inFlight = 0
  let waiters: ((received: ReceivedRequest) => void)[] = []

  const setScenario = (scenario: Scenario): void => {
    service.setScenario(scenario)
    logger.info({ scenario }, 'mock scenario changed')
  }

  async function answerEventService (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    inFlight += 1
    res.once('close', () => { inFlight -= 1 })
    const received = { method: req.method ?? 'GET', path: req.url ?? '/' }
    const notify = waiters
    waiters = []
    for (const resolve of notify) resolve(received)

    const request = toFetchRequest(req, EVENT_SERVICE_ORIGIN, body)
    request.headers.set(SCENARIO_HEADER, JSON.stringify(service.scenario))
    const response = await getResponse(service.handlers, request)
    if (response === undefined) {
      sendJson(res, 404, failureBody('Not Found'))
    } else if (response.type === 'error') {
      logger.debug(received, 'mock resetting the connection')
      req.socket.destroy()
    } else {
      await sendFetchResponse(res, response)
    }
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    let body: Buffer | undefined
    if (!isBodyless(method)) {
      const read = await readRequestBody(req, maxBodyBytes)
      if (!read.ok) {
        sendJson(res, 413, failureBody('Payload Too Large', `Bodies are limited to ${maxBodyBytes} bytes`), { connection: 'close' })
        return
      }
      body = read.body
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    if (pathname.startsWith(CONTROL_PREFIX)) {
      const result = handleControlRequest(method, pathname, body, { service, setScenario, inFlight: () => inFlight })
      sendJson(res, result.status, result.body)
      return
    }
    await answerEventService(req, res, body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, method: req.method, path: req.url }, 'mock event service failed to answer')
      if (res.headersSent) res.destroy()
      else sendJson(res, 500, failureBody('Internal Server Error'))
    })
  })

  server.listen(port, host)
  await once(server, 'listening')
  const { port: boundPort } = server.address() as AddressInfo

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close(error => { if (error === undefined) resolve(); else reject(error) })
      // Hanging requests and idle keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections()
    })
    return closing
  }

  return {
    url: formatUrl(host, boundPort),
    service,
    setScenario,
    get inFlight () { return inFlight },
    nextRequest: () => new Promise(resolve => { waiters.push(resolve) }),
    close
  }
}
