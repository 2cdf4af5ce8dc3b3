import { randomUUID } from 'node:crypto'
import pino from 'pino'
import type { Logger } from 'pino'
import { createEmailProvider } from '../../mocks/emailProvider.js'
import type { EmailProvider } from '../../mocks/emailProvider.js'
import { modelDispatcher } from '../../mocks/modelDispatcher.js'
import { OriginRouter } from '../../mocks/originRouter.js'
import { EMAIL_PROVIDER_ORIGIN, WEBHOOK_RECEIVER_ORIGIN } from '../../mocks/origin.js'
import { createWebhookReceiver } from '../../mocks/webhookReceiver.js'
import type { WebhookReceiver } from '../../mocks/webhookReceiver.js'
import { createOutbound } from '../../services/journeys/delivery/index.js'
import type { DeliveryBreakerSettings, Outbound } from '../../services/journeys/delivery/index.js'
import { JourneyEngine } from '../../services/journeys/engine/engine.js'
import { deliveryBreaker, engineOptions } from '../../services/journeys/engine/engineOptions.js'
import type { EngineWorkerData } from '../../services/journeys/engine/rpc.js'
import type { RunDetail } from '../../services/journeys/engine/runQueries.js'
import type { StepObservation } from '../../services/journeys/engine/stepRunner.js'
import type { TriggerInput } from '../../services/journeys/engine/triggers.js'
import { eventually } from './eventually.js'
import type { Backend } from './journeyDatabases.js'
import { createPostgresDatabase } from './journeyDatabases.js'

export const emailApiUrl = EMAIL_PROVIDER_ORIGIN
export const webhooksUrl = WEBHOOK_RECEIVER_ORIGIN

export interface TestEngine {
  readonly engine: JourneyEngine
  /** The email provider's and the webhook receiver's models, which every call reaches in-process. */
  readonly email: EmailProvider
  readonly webhooks: WebhookReceiver
  readonly observations: StepObservation[]
  /** Calls `listener` with every step observation from now on. */
  onObservation: (listener: (observation: StepObservation) => void) => void
  /** The event names that start a run now, as the engine last said. */
  readonly eventNames: ReadonlySet<string> | undefined
  /** The data the engine was started with, for starting another on the same database. */
  readonly data: EngineWorkerData
  /** Stops the engine (and drops its PostgreSQL database unless `keep`). */
  stop: (options?: { readonly keep?: boolean }) => Promise<void>
}

export interface TestEngineOptions {
  /** A database already created (to restart on it); by default a new one. */
  readonly dataDir?: string
  readonly databaseUrl?: string
  readonly stepTimeoutMs?: number
  readonly stepConcurrency?: number
  readonly work?: boolean
  readonly webhookAllowedHosts?: readonly string[]
  /** Replaces the sender (a test's own), instead of one over the mocks. */
  readonly outbound?: (mocks: { email: EmailProvider, webhooks: WebhookReceiver }) => Outbound
  readonly clock?: () => number
  /** Where the engine logs; nowhere by default (TEST_LOG names a level to see them). */
  readonly log?: Logger
  /** How each destination's breaker trips and waits; the engine's own settings by default. */
  readonly breaker?: DeliveryBreakerSettings
}

/** Engine logs go nowhere unless TEST_LOG names a level. */
const log = pino({ level: process.env.TEST_LOG ?? 'silent' })

/** A JourneyEngine on this thread, on a fresh database of the backend, sending to in-process mocks. */
export async function startTestEngine (backend: Backend, options: TestEngineOptions = {}): Promise<TestEngine> {
  let drop: (() => Promise<void>) | undefined
  let databaseUrl = options.databaseUrl
  if (backend === 'postgres' && databaseUrl === undefined) {
    const created = await createPostgresDatabase()
    databaseUrl = created.url
    drop = created.drop
  }
  const data: EngineWorkerData = {
    dataDir: options.dataDir ?? 'memory://',
    dataDirLocked: false,
    databaseUrl,
    emailApiUrl,
    webhookAllowedHosts: options.webhookAllowedHosts ?? [],
    stepTimeoutMs: options.stepTimeoutMs ?? 2000,
    stepConcurrency: options.stepConcurrency ?? 8,
    stepRecoveryMs: 10_000,
    runRetentionDays: 30,
    logLevel: 'silent',
    loadSampleFlows: false,
    sampleWebhookBaseUrl: webhooksUrl,
    work: options.work ?? true
  }
  const email = createEmailProvider()
  const webhooks = createWebhookReceiver()
  const outbound = options.outbound?.({ email, webhooks }) ?? createOutbound({
    timeoutMs: data.stepTimeoutMs,
    breaker: options.breaker ?? deliveryBreaker,
    clock: Date.now,
    random: Math.random,
    dispatcher: new OriginRouter({
      [EMAIL_PROVIDER_ORIGIN]: modelDispatcher(email, EMAIL_PROVIDER_ORIGIN),
      [WEBHOOK_RECEIVER_ORIGIN]: modelDispatcher(webhooks, WEBHOOK_RECEIVER_ORIGIN)
    })
  })
  const observations: StepObservation[] = []
  const observers: ((observation: StepObservation) => void)[] = []
  let eventNames: ReadonlySet<string> | undefined
  const built = engineOptions(data, {
    log: options.log ?? log,
    outbound,
    observe: (observation) => {
      observations.push(observation)
      for (const observer of observers) observer(observation)
    },
    onEventNamesChanged: (names) => { eventNames = new Set(names) },
    ...(options.clock !== undefined && { clock: options.clock })
  })
  let engine: JourneyEngine
  try {
    engine = await JourneyEngine.start(built.options)
  } catch (error) {
    await drop?.()
    throw error
  }
  return {
    engine,
    email,
    webhooks,
    observations,
    onObservation: (listener) => { observers.push(listener) },
    get eventNames () { return eventNames },
    data,
    async stop (stopOptions = {}) {
      await engine.stop(2000)
      await outbound.close()
      if (stopOptions.keep !== true) await drop?.()
    }
  }
}

/** A behavioural event for `userId`, with a fresh id unless given. */
export function event (name: string, userId: string, fields: Partial<TriggerInput> = {}): TriggerInput {
  return {
    id: randomUUID(),
    name,
    userId,
    properties: {},
    user: { id: userId, email: `${userId}@example.com`, userName: userId },
    source: 'api',
    ...fields
  }
}

/** Names unique to one test, so tests sharing an engine never see each other's flows and users. */
export function unique (prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/** The run, once `until` holds for it. */
export function runUntil (engine: JourneyEngine, runId: string, what: string, until: (run: RunDetail) => boolean, withinMs?: number): Promise<RunDetail> {
  return eventually(what, async () => {
    const run = await engine.getRun(runId)
    return until(run) ? run : undefined
  }, withinMs)
}

export const ended = (run: RunDetail): boolean => run.endedAt !== undefined

/** The step's status in the run. */
export function stepStatus (run: RunDetail, stepId: string): string | undefined {
  return run.steps.find((step) => step.id === stepId)?.status
}
