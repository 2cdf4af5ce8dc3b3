import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'
import { counter, gauge, histogram } from '../operability/index.js'
import { unavailable } from './api/engineErrors.js'
import { startEngineWorker } from './engineClient.js'
import type { EngineClient } from './engineClient.js'
import { lockDataDir } from './engine/database/dataDirLock.js'
import type { EngineWorkerData } from './engine/rpc.js'
import type { JourneysSettings } from './settings.js'
import { asError } from '../../utils/asError.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The journeys engine, in its worker thread. */
    journeys: EngineClient
  }
}

export interface JourneysEnginePluginOptions {
  readonly settings: JourneysSettings
  /** Where emails are sent: EMAIL_API_URL, or the built-in mock's URL. */
  readonly emailApiUrl: string
  /** The engine thread's log level (LOG_LEVEL). */
  readonly engineLogLevel: string
  readonly shutdownTimeoutMs: number
  /** Run steps here (ROLE all or worker); false: the engine only records and enqueues (ROLE api). Default true. */
  readonly work?: boolean
  /** An engine started elsewhere (a test's); it is not stopped with the app. */
  readonly engine?: EngineClient
  /** Save the sample flows when the database holds none (default true). */
  readonly sampleFlows?: boolean
  /** Where the sample flows' webhooks go. */
  readonly webhookBaseUrl?: string
}

const families = {
  steps: counter('journey_steps_total', 'Step attempts that ended, by step type and outcome', ['type', 'outcome']),
  stepDuration: histogram('journey_step_duration_seconds', 'How long an email or webhook call took, by step type, in seconds', ['type']),
  queue: gauge('journey_queue_jobs', 'Step jobs in the queue, by state: ready, deferred (waits, retries, timeouts) or active', ['state']),
  runs: gauge('journey_runs', 'Runs, by status', ['status'])
}

const runStatuses = ['running', 'waiting', 'completed', 'failed', 'cancelled', 'exited'] as const

const healthSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['starting', 'ready', 'failed', 'stopped'] },
    database: { type: 'string', enum: ['pglite', 'postgres'] },
    connected: { type: 'boolean' },
    migrations: { type: 'integer' },
    workers: { type: 'string', enum: ['running', 'stopped'] },
    queue: { type: 'object', properties: { ready: { type: 'integer' }, deferred: { type: 'integer' }, active: { type: 'integer' } } },
    destinations: {
      type: 'array',
      description: 'Each outbound destination\'s breaker (the email provider, each webhook origin called), most recently called first',
      items: {
        type: 'object',
        required: ['origin', 'state'],
        properties: {
          origin: { type: 'string' },
          state: { type: 'string', enum: ['closed', 'open', 'half-open', 'forced-open', 'forced-closed'] },
          retryAfterMs: { type: 'integer', minimum: 0 }
        }
      }
    },
    error: { type: 'string' }
  }
} as const

/**
 * The journeys engine, started in its worker thread and reported to /health, /ready and /metrics:
 * all a worker process serves. Whether it takes step jobs is the process's role; it records and
 * enqueues either way.
 */
const journeysEngine: FastifyPluginCallback<JourneysEnginePluginOptions> = (app, options, done) => {
  const { settings } = options
  const owned = options.engine === undefined
  // Taken here, before the thread starts, so a second process on the folder fails at once and says why.
  let release: () => void
  try {
    release = owned && settings.databaseUrl === undefined && settings.dataDir !== 'memory://' ? lockDataDir(settings.dataDir) : () => undefined
  } catch (error) {
    done(asError(error))
    return
  }
  const data: EngineWorkerData = {
    dataDir: settings.dataDir,
    dataDirLocked: true,
    databaseUrl: settings.databaseUrl,
    emailApiUrl: options.emailApiUrl,
    webhookAllowedHosts: settings.webhookAllowedHosts,
    stepTimeoutMs: settings.stepTimeoutMs,
    stepConcurrency: settings.stepConcurrency,
    stepRecoveryMs: settings.stepRecoveryMs,
    runRetentionDays: settings.runRetentionDays,
    logLevel: options.engineLogLevel,
    loadSampleFlows: options.sampleFlows ?? true,
    sampleWebhookBaseUrl: options.webhookBaseUrl ?? 'https://hooks.example',
    work: options.work ?? true
  }
  const engine = options.engine ?? startEngineWorker(data, app.log.child({ component: 'journeys' }))
  app.decorate('journeys', engine)

  const metrics = app.metrics.register(families)
  engine.onObservations((items) => {
    for (const item of items) {
      metrics.steps.inc({ type: item.type, outcome: item.outcome })
      if (item.seconds > 0) metrics.stepDuration.observe({ type: item.type }, item.seconds)
    }
  })
  metrics.queue.collect(async () => {
    const queue = engine.state === 'ready' ? (await engine.health()).queue : undefined
    return queue === undefined ? [] : [[{ state: 'ready' }, queue.ready], [{ state: 'deferred' }, queue.deferred], [{ state: 'active' }, queue.active]]
  })
  metrics.runs.collect(async () => {
    if (engine.state !== 'ready') return []
    const counts = await engine.runsByStatus()
    return runStatuses.map((status) => [{ status }, counts[status] ?? 0] as const)
  })

  app.health.report({
    name: 'journeys',
    schema: healthSchema,
    read: async () => {
      if (engine.state !== 'ready') return { state: engine.state, ...(engine.failure !== undefined && { error: engine.failure.message }) }
      return { state: engine.state, ...await engine.health() }
    }
  })
  app.health.readiness(() => engine.state === 'ready' ? undefined : unavailable(`The journeys engine is ${engine.state}`))

  app.addHook('onClose', async () => {
    if (!owned) return
    try {
      await engine.stop(options.shutdownTimeoutMs)
    } finally {
      release()
    }
  })
  done()
}

export const journeysEnginePlugin = fp(journeysEngine, { name: 'journeys-engine', fastify: '5.x', dependencies: ['health', 'metrics'] })
