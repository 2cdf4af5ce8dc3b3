import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import type { Clock } from '../utils/clock.js'
import type { Event, User } from '../utils/eventStore.js'
import { GatewayError, UpstreamDisconnectedError, UpstreamInvalidResponseError, UpstreamStatusError, UpstreamTimeoutError, UpstreamUnreachableError } from '../utils/errors.js'
import { parseRetryAfter } from '../utils/retryAfter.js'
import { parseEvents, parseUsers } from './upstreamPayload.js'
import type { Parsed } from './upstreamPayload.js'

/** The calls the gateway makes to event.com. Every method rejects with a GatewayError subclass. */
export interface EventServiceClient {
  getUsers: () => Promise<Parsed<User>>
  getEvents: () => Promise<Parsed<Event>>
  /** Resolves once event.com answered 2xx, which means it has stored the event. */
  addEvent: (event: Event) => Promise<void>
  close: () => Promise<void>
}

export interface EventServiceClientOptions {
  /** Base URL of event.com, e.g. http://127.0.0.1:4000 or https://events.example/api. */
  readonly baseUrl: string
  /** Longest wait for one call, from sending to the end of the response body. */
  readonly timeoutMs: number
  /** Makes the signal that ends a call after timeoutMs; replaceable so tests can fire it. */
  readonly timeoutSignal?: (timeoutMs: number) => AbortSignal
  readonly clock: Clock
  /** Most sockets kept open to event.com. */
  readonly connections?: number
}

/** Errors raised while connecting, before any byte of the request left: the call certainly did nothing. */
const connectErrorCodes = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT'
])

function neverSent (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && connectErrorCodes.has(code)
}

const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' }

/**
 * event.com over one undici Pool (keep-alive sockets, no per-call connection setup).
 * Each call gets its own abort signal, so one slow call timing out never cancels another.
 */
export function createEventServiceClient (options: EventServiceClientOptions): EventServiceClient {
  const base = new URL(options.baseUrl)
  const prefix = base.pathname.replace(/\/+$/, '')
  const pool = new Pool(base.origin, { connections: options.connections ?? 128 })
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms))

  async function call<T> (method: Dispatcher.HttpMethod, path: string, payload: string | undefined, read: (body: Dispatcher.ResponseData['body']) => Promise<T>): Promise<T> {
    const signal = timeoutSignal(options.timeoutMs)
    try {
      const response = await pool.request({
        method,
        path: prefix + path,
        headers: jsonHeaders,
        body: payload ?? null,
        signal
      })
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump()
        throw new UpstreamStatusError(response.statusCode, parseRetryAfter(response.headers['retry-after'], options.clock()))
      }
      return await read(response.body)
    } catch (error) {
      if (signal.aborted) throw new UpstreamTimeoutError(options.timeoutMs)
      if (error instanceof GatewayError) throw error
      throw neverSent(error) ? new UpstreamUnreachableError(error) : new UpstreamDisconnectedError(error)
    }
  }

  async function getJson (path: string): Promise<unknown> {
    return call('GET', path, undefined, async (body) => {
      const text = await body.text()
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new UpstreamInvalidResponseError(`GET ${path} did not answer with JSON`)
      }
    })
  }

  return {
    async getUsers () {
      return parseUsers(await getJson('/getUsers'))
    },
    async getEvents () {
      return parseEvents(await getJson('/getEvents'))
    },
    addEvent (event) {
      return call('POST', '/addEvent', JSON.stringify(event), (body) => body.dump())
    },
    close () {
      return pool.close()
    }
  }
}
