import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import { systemClock, systemRandom } from '../utils/clock.js'
import type { Clock, Random } from '../utils/clock.js'
import type { SharedRedis } from './cluster/index.js'
import { redisPlugin } from './cluster/index.js'
import type { Config } from './config.js'
import { DashboardSessions, dashboardPlugin, sessionPlugin } from './dashboard/index.js'
import type { EventServiceClient, EventStore, IdempotencyKeys, Sleep } from './gateway/index.js'
import { eventServicePlugin, eventStorePlugin, eventWritesPlugin, gatewayRoutes, hydrationPlugin, idempotencyPlugin } from './gateway/index.js'
import { httpPlugin, httpServerOptions } from './http/httpPlugin.js'
import { rateLimitPlugin } from './http/rateLimitPlugin.js'
import type { EngineClient, JourneysEnginePluginOptions } from './journeys/index.js'
import { journeysEnginePlugin, journeysPlugin } from './journeys/index.js'
import { docsPlugin, healthPlugin, healthRoutes, metricsPlugin, metricsRoute } from './operability/index.js'

export interface AppOptions {
  /** Every area's settings; `gateway.eventServiceUrl` is needed unless `eventService` is given. */
  readonly config: Config
  /** A pino logger; none when absent. */
  readonly logger?: FastifyBaseLogger
  /** Defaults to an empty MemoryEventStore, filled by hydration. */
  readonly store?: EventStore
  /** Defaults to an undici client for `config.gateway.eventServiceUrl`. */
  readonly eventService?: EventServiceClient
  /** Sends event.com's requests instead of the client's own connection pool, e.g. in-process to the mocks' model. */
  readonly eventServiceDispatcher?: Dispatcher
  /** Defaults to Idempotency-Keys shared through the Redis when there is one (`redis`, `REDIS_URL`), otherwise held in this process. */
  readonly idempotencyKeys?: IdempotencyKeys
  /** Hydrate the store from event.com once the app is ready (default true). False: the given store is used as it is. */
  readonly hydrate?: boolean
  readonly clock?: Clock
  readonly random?: Random
  /** Waits between hydration attempts. */
  readonly sleep?: Sleep
  /** Makes the signal that ends one call to event.com after the timeout. */
  readonly timeoutSignal?: (timeoutMs: number) => AbortSignal
  /** Makes the id of each new event. */
  readonly generateId?: () => string
  /** Collect process metrics (event loop, GC, memory) in /metrics; default true. */
  readonly processMetrics?: boolean
  /** What the journeys engine needs beyond its settings, when `config.journeys.journeysEnabled`. */
  readonly journeys?: JourneysAppOptions
  /** The shared Redis, connected elsewhere (a test's); by default one is made when `config.cluster.redisUrl` is set. */
  readonly redis?: SharedRedis
  /** The dashboard's pages, when journeys are on; by default services/dashboard/public. */
  readonly dashboard?: { readonly publicDir?: string }
}

export interface JourneysAppOptions {
  /** Where emails go when EMAIL_API_URL is unset (the built-in mock's URL). */
  readonly emailApiUrl?: string
  /** An engine started elsewhere (a test's, shared by its apps); not stopped with the app. */
  readonly engine?: EngineClient
  /** Save the sample flows into an empty database (default true). */
  readonly sampleFlows?: boolean
  /** Where the sample flows' webhooks go (the built-in receiver when the mocks run). */
  readonly webhookBaseUrl?: string
}

/**
 * The logger Fastify is built with: none when there is none or it writes nothing (`silent`), so
 * that Fastify skips the child logger it would otherwise bind to every request's id, a measurable
 * part of a fast answer. `app.log` is then Fastify's own logger that writes nothing.
 */
function loggerOptions (logger: FastifyBaseLogger | undefined): { loggerInstance?: FastifyBaseLogger } {
  return logger === undefined || logger.level === 'silent' ? {} : { loggerInstance: logger }
}

function emailApiUrlOf (config: Config, options: JourneysAppOptions | undefined): string {
  const url = config.journeys.emailApiUrl ?? options?.emailApiUrl
  if (url === undefined) throw new TypeError('journeys need config.journeys.emailApiUrl (EMAIL_API_URL) or options.journeys.emailApiUrl')
  return url
}

/**
 * Builds the gateway, ready to `inject()` or `listen()`; it never listens by itself. Each plugin
 * owns one concern and names what it depends on; the order below is the order they load in.
 * `config.cluster.role` says what this process is: `all` (everything), `api` (everything but
 * running steps) or `worker` (the journeys engine running steps, and the operability routes).
 */
export function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  if (config.cluster.role === 'worker') return buildWorkerApp(options)
  const clock = options.clock ?? systemClock
  const random = options.random ?? systemRandom
  const app = Fastify({ ...httpServerOptions(config.http), ...loggerOptions(options.logger) })

  // Plumbing first: the docs collect every route added after them, and hooks reach every route.
  void app.register(httpPlugin, config.http)
  // Before any plugin that adds routes: each route gets its request metrics when it is added.
  void app.register(metricsPlugin, { processMetrics: options.processMetrics ?? true })
  void app.register(docsPlugin)
  void app.register(healthPlugin)
  void app.register(redisPlugin, { settings: config.cluster, ...(options.redis && { redis: options.redis }) })
  void app.register(rateLimitPlugin, { ...config.http, clock })

  // The gateway: event.com, the store and its hydration, Idempotency-Keys, the write path.
  void app.register(eventServicePlugin, {
    settings: config.gateway,
    clock,
    random,
    ...(options.eventService && { client: options.eventService }),
    ...(options.timeoutSignal && { timeoutSignal: options.timeoutSignal }),
    ...(options.eventServiceDispatcher && { dispatcher: options.eventServiceDispatcher })
  })
  void app.register(eventStorePlugin, options.store ? { store: options.store } : {})
  void app.register(hydrationPlugin, { random, ...(options.hydrate !== undefined && { hydrate: options.hydrate }), ...(options.sleep && { sleep: options.sleep }) })
  void app.register(idempotencyPlugin, { settings: config.gateway, clock, ...(options.idempotencyKeys && { keys: options.idempotencyKeys }) })
  void app.register(eventWritesPlugin, options.generateId ? { generateId: options.generateId } : {})

  // Journeys: flows triggered by events, run by workers in their own thread (unless this is an
  // api process: then worker processes run them), and their dashboard, whose session the
  // management API accepts too; off, the gateway is as without them.
  const sessions = config.journeys.journeysEnabled ? new DashboardSessions(config.http.adminToken, clock) : undefined
  if (sessions !== undefined) {
    void app.register(journeysEnginePlugin, { ...engineOptionsOf(options), work: config.cluster.role === 'all' })
    void app.register(sessionPlugin, { sessions })
    void app.register(journeysPlugin, {
      adminToken: config.http.adminToken,
      sessions,
      upstreamTimeoutMs: config.gateway.upstreamTimeoutMs
    })
    void app.register(dashboardPlugin, { adminToken: config.http.adminToken, sessions, ...(options.dashboard?.publicDir !== undefined && { publicDir: options.dashboard.publicDir }) })
  }

  // Routes, once every part has reported to /health.
  void app.register(healthRoutes)
  void app.register(metricsRoute)
  void app.register(gatewayRoutes, { adminToken: config.http.adminToken })
  return Promise.resolve(app)
}

function engineOptionsOf (options: AppOptions): JourneysEnginePluginOptions {
  const { config } = options
  return {
    settings: config.journeys,
    emailApiUrl: emailApiUrlOf(config, options.journeys),
    engineLogLevel: config.http.logLevel,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
    ...(options.journeys?.engine && { engine: options.journeys.engine }),
    ...(options.journeys?.sampleFlows !== undefined && { sampleFlows: options.journeys.sampleFlows }),
    ...(options.journeys?.webhookBaseUrl !== undefined && { webhookBaseUrl: options.journeys.webhookBaseUrl })
  }
}

/**
 * A worker process: the journeys engine running steps, and /health, /ready (its engine is ready)
 * and /metrics. No gateway routes, no event.com client or hydration, no dashboard, no docs:
 * everything else is a 404 problem.
 */
function buildWorkerApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const app = Fastify({ ...httpServerOptions(config.http), ...loggerOptions(options.logger) })
  void app.register(httpPlugin, config.http)
  void app.register(metricsPlugin, { processMetrics: options.processMetrics ?? true })
  void app.register(healthPlugin)
  // The sample flows are the api processes' to save: they serve the flows.
  void app.register(journeysEnginePlugin, { ...engineOptionsOf(options), sampleFlows: false, work: true })
  void app.register(healthRoutes)
  void app.register(metricsRoute)
  return Promise.resolve(app)
}
