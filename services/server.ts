import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { MockEventService } from '../mocks/bridge.js'
import type { AppOptions } from './app.js'
import { buildApp } from './app.js'

export interface RunningServer {
  readonly app: FastifyInstance
  /** Where the gateway listens, e.g. http://127.0.0.1:3000. */
  readonly url: string
  /** Where event.com is: the configured URL, or the built-in mock's. */
  readonly eventServiceUrl: string
  /** The built-in mock, when EVENT_SERVICE_URL is unset. */
  readonly mock: MockEventService | undefined
  /** Stops accepting, lets in-flight requests finish (at most shutdownTimeoutMs), closes the upstream pool and the mock. Resolves false when the bound was hit. */
  readonly close: () => Promise<boolean>
}

/**
 * Owns the process-level wiring: the built-in mock when no event service is configured,
 * the app, and listening. Signals stay with the entry point.
 */
export async function startServer (config: Config, logger: Logger, overrides: Partial<AppOptions> = {}): Promise<RunningServer> {
  const { http, gateway } = config
  // Loaded only when needed: msw is a quarter of a second of start-up that a real event.com does not need.
  const mock = gateway.eventServiceUrl === undefined
    ? await (await import('../mocks/bridge.js')).startMockEventService({ logger: logger.child({ component: 'mock-event-service' }) })
    : undefined
  const eventServiceUrl = gateway.eventServiceUrl ?? mock?.url ?? ''
  if (mock !== undefined) {
    logger.warn({ eventServiceUrl }, 'EVENT_SERVICE_URL is unset: serving against the built-in mock of event.com')
  }

  const app = await buildApp({ ...overrides, config: { ...config, gateway: { ...gateway, eventServiceUrl } }, logger })
  let shuttingDown = false
  // Responses finished during shutdown close their keep-alive connection, so close() need not wait for idle timeouts.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) void reply.header('connection', 'close')
    done(null, payload)
  })
  let url: string
  try {
    url = await app.listen({ port: http.port, host: http.host })
  } catch (error) {
    await app.close()
    await mock?.close()
    throw error
  }

  let closing: Promise<boolean> | undefined
  const close = (): Promise<boolean> => {
    shuttingDown = true
    closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined
      const bounded = new Promise<false>((resolve) => {
        timer = setTimeout(() => { resolve(false) }, http.shutdownTimeoutMs)
      })
      const finished = await Promise.race([app.close().then(() => true as const), bounded])
      clearTimeout(timer)
      if (!finished) {
        logger.error({ shutdownTimeoutMs: http.shutdownTimeoutMs }, 'in-flight requests did not finish in time; closing anyway')
        app.server.closeAllConnections()
      }
      await mock?.close()
      return finished
    })()
    return closing
  }

  return { app, url, eventServiceUrl, mock, close }
}
