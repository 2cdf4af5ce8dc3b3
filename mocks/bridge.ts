import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getResponse } from 'msw'
import { pino, type Logger } from 'pino'
import { CONTROL_PREFIX, handleControlRequest } from './controlApi.js'
import { EMAIL_CONTROL_PREFIX, handleDeliveryControlRequest, WEBHOOKS_CONTROL_PREFIX } from './deliveryControlApi.js'
import { createEmailProvider, type EmailProvider, type EmailProviderOptions } from './emailProvider.js'
import { createEventService, type EventService, type EventServiceOptions } from './eventService.js'
import { failureBody } from './failureResponse.js'
import { EMAIL_PREFIX, isUnder, WEBHOOKS_PREFIX } from './mockPaths.js'
import { SCENARIO_HEADER } from './mockScenario.js'
import { deliveryMount, type Mount } from './mount.js'
import { EMAIL_PROVIDER_ORIGIN, EVENT_SERVICE_ORIGIN, WEBHOOK_RECEIVER_ORIGIN } from './origin.js'
import { readRequestBody } from './requestBody.js'
import type { Scenario } from './scenario.js'
import { sendFetchResponse, sendJson } from './sendResponse.js'
import { toFetchRequest } from './toFetchRequest.js'
import { createWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from './webhookReceiver.js'

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

export interface MocksOptions extends MockEventServiceOptions {
  /** The email provider's own options; it starts healthy. */
  email?: EmailProviderOptions
  /** The webhook receiver's own options; it starts healthy. */
  webhooks?: WebhookReceiverOptions
}

export interface ReceivedRequest {
  method: string
  /** Path and query, as sent. */
  path: string
}

/** event.com on a real socket, for clients MSW cannot intercept (undici's `request`, `Pool`). */
export interface MockEventService {
  /** e.g. `http://127.0.0.1:43123`, no trailing slash: event.com's base URL. */
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

/**
 * The three mocks on one socket: event.com at the root (its control API at `/__mock/scenario` and
 * `/__mock/stats`), the email provider under `/email`, the webhook receiver under `/webhooks`, with
 * their control APIs under `/__mock/email/` and `/__mock/webhooks/`.
 */
export interface RunningMocks extends MockEventService {
  /** `${url}/email`, the email provider's base URL (what EMAIL_API_URL points at): `POST ${emailUrl}/emails`. */
  readonly emailUrl: string
  /** `${url}/webhooks`, the webhook receiver's base URL: any method on any path under it. */
  readonly webhooksUrl: string
  readonly email: EmailProvider
  readonly webhooks: WebhookReceiver
}

function isBodyless (method: string): boolean {
  return method === 'GET' || method === 'HEAD'
}

function formatUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** Starts the three mocks' MSW handlers behind one node:http server; resolves once it listens. */
export async function startMocks (options: MocksOptions = {}): Promise<RunningMocks> {
  const { host = '127.0.0.1', port = 0, maxBodyBytes = 1024 * 1024 } = options
  const logger = options.logger ?? pino({ enabled: false })
  const service = createEventService(options)
  const email = createEmailProvider(options.email)
  const webhooks = createWebhookReceiver(options.webhooks)
  let inFlight = 0
  let waiters: ((received: ReceivedRequest) => void)[] = []

  const setScenario = (scenario: Scenario): void => {
    service.setScenario(scenario)
    logger.info({ mock: 'event.com', scenario }, 'mock scenario changed')
  }

  const eventServiceMount: Mount = { name: 'event.com', prefix: '', origin: EVENT_SERVICE_ORIGIN, handlers: service.handlers, admit: () => service.scenario }
  const deliveryMounts = [
    deliveryMount('email', EMAIL_PREFIX, EMAIL_PROVIDER_ORIGIN, EMAIL_CONTROL_PREFIX, email, logger),
    deliveryMount('webhooks', WEBHOOKS_PREFIX, WEBHOOK_RECEIVER_ORIGIN, WEBHOOKS_CONTROL_PREFIX, webhooks, logger)
  ]

  function countEventServiceRequest (req: IncomingMessage, res: ServerResponse): void {
    inFlight += 1
    res.once('close', () => { inFlight -= 1 })
    const received = { method: req.method ?? 'GET', path: req.url ?? '/' }
    const notify = waiters
    waiters = []
    for (const resolve of notify) resolve(received)
  }

  async function answer (mount: Mount, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    const request = toFetchRequest(req, mount.origin, body, mount.prefix)
    request.headers.set(SCENARIO_HEADER, JSON.stringify(mount.admit()))
    const response = await getResponse([...mount.handlers], request)
    if (response === undefined) {
      sendJson(res, 404, failureBody('Not Found'))
    } else if (response.type === 'error') {
      logger.debug({ mock: mount.name, method: req.method, path: req.url }, 'mock resetting the connection')
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
      const delivery = deliveryMounts.find((mount) => pathname.startsWith(mount.controlPrefix))
      const result = delivery === undefined
        ? handleControlRequest(method, pathname, body, { service, setScenario, inFlight: () => inFlight })
        : handleDeliveryControlRequest(method, pathname.slice(delivery.controlPrefix.length), body, delivery.control)
      sendJson(res, result.status, result.body)
      return
    }
    const delivery = deliveryMounts.find((mount) => isUnder(pathname, mount.prefix))
    if (delivery !== undefined) {
      await answer(delivery, req, res, body)
      return
    }
    countEventServiceRequest(req, res)
    await answer(eventServiceMount, req, res, body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, method: req.method, path: req.url }, 'mock failed to answer')
      if (res.headersSent) res.destroy()
      else sendJson(res, 500, failureBody('Internal Server Error'))
    })
  })

  server.listen(port, host)
  await once(server, 'listening')
  const { port: boundPort } = server.address() as AddressInfo
  const url = formatUrl(host, boundPort)

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
    url,
    emailUrl: `${url}${EMAIL_PREFIX}`,
    webhooksUrl: `${url}${WEBHOOKS_PREFIX}`,
    service,
    email,
    webhooks,
    setScenario,
    get inFlight () { return inFlight },
    nextRequest: () => new Promise(resolve => { waiters.push(resolve) }),
    close
  }
}

/** The name event.com's callers know: the same function, so they get the email provider and the webhook receiver too. */
export const startMockEventService: (options?: MocksOptions) => Promise<RunningMocks> = startMocks
