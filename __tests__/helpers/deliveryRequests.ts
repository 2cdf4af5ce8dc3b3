import type { IncomingHttpHeaders } from 'node:http'
import { request, type Dispatcher } from 'undici'
import { onTestFinished } from 'vitest'
import { createInProcessEmailProvider, type InProcessEmailProvider, type InProcessEmailProviderOptions } from '../../mocks/inProcessEmailProvider.js'
import { createInProcessWebhookReceiver, type InProcessWebhookReceiver, type InProcessWebhookReceiverOptions } from '../../mocks/inProcessWebhookReceiver.js'

/** Any origin: the in-process dispatchers answer for their model whatever the caller dispatched to. */
export const anyOrigin = 'http://127.0.0.1:9'

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  /** The parsed JSON body; undefined when the body is empty. */
  body: unknown
}

export interface CallInit {
  method?: Dispatcher.HttpMethod
  /** Sent as JSON, with its content-type. */
  body?: unknown
  /** Sent as is. */
  rawBody?: string
  headers?: Record<string, string>
  dispatcher?: Dispatcher
  signal?: AbortSignal
}

/** One request to `url`, its answer read whole. */
export async function call (url: string, init: CallInit = {}): Promise<Reply> {
  const payload = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body))
  const response = await request(url, {
    method: init.method ?? (payload === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    body: payload ?? null,
    ...(init.dispatcher && { dispatcher: init.dispatcher }),
    ...(init.signal && { signal: init.signal })
  })
  const text = await response.body.text()
  return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) as unknown }
}

/** The in-process email provider, destroyed when the test ends. */
export function inProcessEmail (options: InProcessEmailProviderOptions = {}): InProcessEmailProvider {
  const email = createInProcessEmailProvider(options)
  onTestFinished(() => email.dispatcher.destroy())
  return email
}

/** The in-process webhook receiver, destroyed when the test ends. */
export function inProcessWebhooks (options: InProcessWebhookReceiverOptions = {}): InProcessWebhookReceiver {
  const webhooks = createInProcessWebhookReceiver(options)
  onTestFinished(() => webhooks.dispatcher.destroy())
  return webhooks
}

export const message = { to: 'ada@example.com', subject: 'Welcome', text: 'Hello Ada' }

/** `POST /emails` through the in-process provider. */
export function sendEmail (dispatcher: Dispatcher, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(`${anyOrigin}/emails`, { method: 'POST', body, headers, dispatcher })
}

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/**
 * Resolves once `condition` holds, checking at each turn of the event loop (no sleeping); rejects
 * when it still does not after `withinMs` of real time, as when a socket never delivers.
 */
export async function untilTrue (condition: () => boolean, withinMs = 5000): Promise<void> {
  const deadline = performance.now() + withinMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition still false after ${withinMs} ms`)
    await new Promise<void>((resolve) => { setImmediate(resolve) })
  }
}
