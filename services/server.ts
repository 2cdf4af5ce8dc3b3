import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { RunningMocks } from '../mocks/bridge.js'
import type { AppOptions } from './app.js'
import { buildApp } from './app.js'

export interface RunningServer {
  readonly app: FastifyInstance
  /** Where the gateway listens, e.g. http://127.0.0.1:3000. */
  readonly url: string
  /** Where event.com is: the configured URL, or the built-in mock's. */
  readonly eventServiceUrl: string
  /**
   * The built-in mocks (event.com, the email provider, the webhook receiver on one port), when
   * EVENT_SERVICE_URL is unset, or EMAIL_API_URL is while journeys are on.
   */
  readonly mock: RunningMocks | undefined
  /** Stops accepting, lets in-flight requests finish (at most shutdownTimeoutMs), stops the journeys engine, closes the upstream pool and the mocks. Resolves false when the bound was hit. */
  readonly close: () => Promise<boolean>
}

/**
 * Owns the process-level wiring: the built-in mock when no event service is configured,
 * the app, and listening. Signals stay with the entry point.
 */
export async function startServer (config: Config, logger: Logger, overrides: Partial<AppOptions> = {}): Promise<RunningServer> {
  const { http, gateway, journeys } = config
  // A worker process never calls event.com.
  const mockEventService = config.cluster.role !== 'worker' && gateway.eventServiceUrl === undefined
  const mockEmail = journeys.journeysEnabled && journeys.emailApiUrl === undefined
  // Loaded only when needed: msw is a quarter of a second of start-up that real services do not need.
  const mock = mockEventService || mockEmail
    ? await (await import('../mocks/bridge.js')).startMocks({ host: '127.0.0.1', port: gateway.mocksPort, logger: logger.child({ component: 'mocks' }) })
    : undefined
  const eventServiceUrl = gateway.eventServiceUrl ?? mock?.url ?? ''
  if (mock !== undefined && mockEventService) {
    logger.warn({ eventServiceUrl }, 'EVENT_SERVICE_URL is unset: serving against the built-in mock of event.com')
  }
  if (mock !== undefined && mockEmail) {
    logger.warn({ emailApiUrl: mock.emailUrl, webhooksUrl: mock.webhooksUrl }, 'EMAIL_API_URL is unset: emails go to the built-in mock provider, and the sample flows\' webhooks to the built-in receiver')
  }
  // The sample flows are a demonstration: saved into an empty database only against the built-in mocks.
  const journeysOptions = mock !== undefined && mockEmail
    ? { emailApiUrl: mock.emailUrl, sampleFlows: true, webhookBaseUrl: mock.webhooksUrl }
    : { sampleFlows: false }

  const app = await buildApp({ ...overrides, journeys: { ...journeysOptions, ...overrides.journeys }, config: { ...config, gateway: { ...gateway, eventServiceUrl } }, logger })
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
