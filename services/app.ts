import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import pino from 'pino'
import { createExponentialBackoff } from '../utils/backoff.js'
import { Bulkhead } from '../utils/bulkhead.js'
import type { CircuitBreaker } from '../utils/breaker/circuitBreaker.js'
import { isBreakerRejection } from '../utils/breaker/circuitBreaker.js'
import { isGatewayError } from './http/errors.js'
import { systemClock, systemRandom } from '../utils/clock.js'
import type { Clock, Random } from '../utils/clock.js'
import type { Config } from './config.js'
import type { EventStore } from './gateway/store/eventStore.js'
import { MemoryEventStore } from './gateway/store/memoryEventStore.js'
import { createEventServiceClient } from './gateway/upstream/eventServiceClient.js'
import type { EventServiceClient } from './gateway/upstream/eventServiceClient.js'
import { createEventWriter } from './gateway/writes/eventWriter.js'
import { createGatewayBreaker } from './gateway/upstream/eventServiceBreaker.js'
import type { EventWriter } from './gateway/writes/eventWriter.js'
import { createHydrator } from './gateway/store/hydrator.js'
import type { Hydrator, Sleep } from './gateway/store/hydrator.js'
import { IdempotencyKeys } from './gateway/idempotency/memoryIdempotencyKeys.js'
import { createMetrics } from './operability/metrics.js'
import type { RejectionReason } from './operability/metrics.js'
import { registerDocs, registerOperability, registerRequestHooks } from './operability/operability.js'
import { requestIdOptions } from './http/requestId.js'
import { errorHandler, notFoundHandler } from './http/problem.js'
import { clientErrorHandler, frameworkErrors } from './http/protocolErrors.js'
import { parseJsonBody } from './http/parseJsonBody.js'
import { registerRateLimits } from './http/rateLimit.js'
import { addEventBodyLimit, addEventRoute } from './gateway/routes/addEvent.js'
import { eventRoutes } from './gateway/routes/events.js'
import { healthRoutes, notReadyError } from './operability/routes/health.js'
import { userRoutes } from './gateway/routes/users.js'
import { validatorCompiler } from './http/validators.js'

/** What the routes share, decorated onto the instance as `app.gateway`. */
export interface Gateway {
  readonly store: EventStore
  readonly eventService: EventServiceClient
  readonly breaker: CircuitBreaker
  readonly bulkhead: Bulkhead
  /** Sends a write to event.com through the bulkhead and the breaker. */
  readonly writeEvent: EventWriter
  readonly idempotency: IdempotencyKeys
  readonly hydrator: Hydrator
  readonly generateId: () => string
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway
  }
}

export type AppConfig = Pick<Config,
  'upstreamTimeoutMs' | 'breakerFailureThreshold' | 'breakerWindowMs' | 'breakerBackoffBaseMs' |
  'breakerBackoffMaxMs' | 'rateLimitMax' | 'rateLimitWriteMax' | 'rateLimitWindowMs' | 'rateLimitAllowList' |
  'upstreamMaxInflight' | 'upstreamMaxQueue' | 'idempotencyTtlMs' | 'idempotencyMaxKeys'> &
  Partial<Pick<Config, 'breakerDecayMs' | 'breakerSlowCallMs' | 'breakerSlowCallRatePercent' | 'breakerSlowCallMinCalls' |
  'breakerSlowCallWindowMs' | 'adminToken' | 'hydrationTimeoutMs'>> &
  { readonly eventServiceUrl?: string | undefined }

export interface AppOptions {
  readonly config: AppConfig
  /** A pino logger; silent when absent. */
  readonly logger?: FastifyBaseLogger
  /** Defaults to an empty MemoryEventStore, filled by hydration. */
  readonly store?: EventStore
  /** Defaults to an undici client for config.eventServiceUrl. */
  readonly eventService?: EventServiceClient
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
}

/** Hydration retries quickly at first, then settles at one attempt every 10 s. */
const hydrationBackoff = createExponentialBackoff({ baseMs: 250, maxMs: 10_000 })

/** Builds the gateway, ready to `inject()` or `listen()`; it never listens by itself. */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const random = options.random ?? systemRandom
  const logger = options.logger ?? pino({ level: 'silent' })

  const metrics = createMetrics({ processMetrics: options.processMetrics ?? true })
  const app = Fastify({
    ...requestIdOptions,
    loggerInstance: logger,
    bodyLimit: addEventBodyLimit,
    // Ids are opaque and may be long; the params schema bounds them.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors,
    clientErrorHandler
  })
  app.setValidatorCompiler(validatorCompiler)
  // Only JSON bodies are accepted: every other content type is a 415, not a parsed string.
  app.removeContentTypeParser('text/plain')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  // Before any route: the OpenAPI document is collected as routes are added, and the hooks reach every route.
  await registerDocs(app)
  registerRequestHooks(app, metrics)

  const eventService = options.eventService ?? createEventServiceClient({
    baseUrl: requireUrl(config.eventServiceUrl),
    timeoutMs: config.upstreamTimeoutMs,
    ...(config.hydrationTimeoutMs !== undefined && { bulkTimeoutMs: config.hydrationTimeoutMs }),
    // One socket per write the bulkhead lets through, so no admitted write waits for a connection.
    connections: config.upstreamMaxInflight,
    clock,
    onCall: (call) => { metrics.recordUpstreamCall(call.operation, call.outcome, call.durationMs / 1000) },
    ...(options.timeoutSignal && { timeoutSignal: options.timeoutSignal })
  })
  const store = options.store ?? new MemoryEventStore()
  const breaker = createGatewayBreaker(config, {
    clock,
    random,
    onStateChange: (change) => {
      metrics.recordTransition(change)
      app.log.warn({ breaker: change }, `breaker ${change.from} -> ${change.to}`)
    }
  })
  const bulkhead = new Bulkhead({ maxConcurrent: config.upstreamMaxInflight, maxQueue: config.upstreamMaxQueue })
  const writeEvent = createEventWriter({ bulkhead, breaker, eventService })
  // A retry after an unknown outcome waits one upstream timeout, so event.com is done with the first attempt before it is looked up.
  const idempotency = new IdempotencyKeys({ ttlMs: config.idempotencyTtlMs, maxKeys: config.idempotencyMaxKeys, clock, settleMs: config.upstreamTimeoutMs })
  const hydrator = createHydrator({
    store,
    eventService,
    backoff: hydrationBackoff,
    random,
    logger: app.log,
    ...(options.sleep && { sleep: options.sleep })
  })
  if (options.hydrate === false) hydrator.skip()

  app.decorate('gateway', { store, eventService, breaker, bulkhead, writeEvent, idempotency, hydrator, generateId: options.generateId ?? randomUUID })

  const limitRate = await registerRateLimits(app, {
    readMax: config.rateLimitMax,
    writeMax: config.rateLimitWriteMax,
    windowMs: config.rateLimitWindowMs,
    allowList: config.rateLimitAllowList,
    writeWaitMs: () => breaker.snapshot().retryAfterMs ?? 0
  })

  metrics.setGauges({ storeCounts: () => store.counts(), idempotencyKeys: () => idempotency.size })
  registerOperability(app, { metrics, breaker, adminToken: config.adminToken, limitRate })
  app.addHook('onError', (_request, _reply, error, done) => {
    const reason = rejectionReason(error)
    if (reason !== undefined) metrics.recordRejection(reason)
    done()
  })

  healthRoutes(app)
  await app.register((data, _opts, done) => {
    if (limitRate !== undefined) data.addHook('onRequest', limitRate)
    data.addHook('onRequest', (_request, _reply, next) => { next(hydrator.state === 'ready' ? undefined : notReadyError()) })
    userRoutes(data)
    eventRoutes(data)
    addEventRoute(data)
    done()
  })

  app.addHook('onReady', (done) => { hydrator.start(); done() })
  app.addHook('onClose', async () => {
    hydrator.stop()
    await eventService.close()
  })
  return app
}

/** Why a request was refused without reaching event.com, for the rejection metric. */
function rejectionReason (error: unknown): RejectionReason | undefined {
  if (isBreakerRejection(error)) return error.reason
  if (isGatewayError(error, 'GW_ERR_BULKHEAD_FULL')) return 'bulkhead'
  if (isGatewayError(error, 'GW_ERR_RATE_LIMITED')) return 'rate-limit'
  return undefined
}

function requireUrl (url: string | undefined): string {
  if (url === undefined) throw new TypeError('buildApp needs config.eventServiceUrl or an eventService')
  return url
}
