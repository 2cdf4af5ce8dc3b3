import type { Logger } from 'pino'
import { systemClock, systemRandom } from '../../../utils/clock.js'
import type { Clock, Random } from '../../../utils/clock.js'
import { createOutbound } from '../delivery/index.js'
import type { DeliveryBreakerSettings, Outbound } from '../delivery/index.js'
import { retryDelayMs } from '../flows/index.js'
import { sampleFlows } from '../sampleFlows.js'
import { flowCompiler } from './compileFlow.js'
import type { EngineOptions } from './engine.js'
import type { EngineWorkerData } from './rpc.js'
import type { StepObservation } from './stepRunner.js'

/** Each destination's breaker: five failures within 30 s open it; probes back off from 1 s to a minute. */
export const deliveryBreaker: DeliveryBreakerSettings = { failureThreshold: 5, windowMs: 30_000, backoffBaseMs: 1000, backoffMaxMs: 60_000 }

export interface EngineParts {
  readonly log: Logger
  readonly observe?: (observation: StepObservation) => void
  readonly onEventNamesChanged?: (names: readonly string[]) => void
  readonly clock?: Clock
  readonly random?: Random
  /** Replaces the real sender (tests). */
  readonly outbound?: Outbound
}

/**
 * The engine's options from the worker's plain settings: the flow compiler with the webhook
 * allow-list, one outbound sender (deadline STEP_TIMEOUT_MS, a breaker per destination, the
 * allow-list plus the email provider's host), retry spacing and the sample flows.
 */
export function engineOptions (data: EngineWorkerData, parts: EngineParts): { readonly options: EngineOptions, readonly outbound: Outbound } {
  const clock = parts.clock ?? systemClock
  const random = parts.random ?? systemRandom
  const allowedWebhookHosts = data.webhookAllowedHosts.length > 0 ? data.webhookAllowedHosts : undefined
  const compiler = flowCompiler({ allowedWebhookHosts })
  const outbound = parts.outbound ?? createOutbound({
    timeoutMs: data.stepTimeoutMs,
    breaker: deliveryBreaker,
    clock,
    random,
    allowedHosts: allowedWebhookHosts === undefined ? undefined : [...allowedWebhookHosts, new URL(data.emailApiUrl).hostname],
    onBreakerChange: (origin, change) => { parts.log.warn({ origin, from: change.from, to: change.to, reason: change.reason }, 'destination breaker changed state') }
  })
  const options: EngineOptions = {
    dataDir: data.dataDir,
    dataDirLocked: data.dataDirLocked,
    databaseUrl: data.databaseUrl,
    emailApiUrl: data.emailApiUrl,
    stepConcurrency: data.stepConcurrency,
    stepRecoveryMs: data.stepRecoveryMs,
    runRetentionDays: data.runRetentionDays,
    log: parts.log,
    deliver: (attempt) => outbound.send(attempt),
    breakers: () => outbound.breakers(),
    validate: compiler.validate,
    compile: compiler.compile,
    // The engine asks only while the policy allows another try; the cap is the fallback.
    retryDelayMs: (policy, attempt) => retryDelayMs(policy, attempt, random) ?? policy.maxMs,
    ...(data.loadSampleFlows && { sampleFlows: sampleFlows(data.sampleWebhookBaseUrl) }),
    ...(parts.observe !== undefined && { observe: parts.observe }),
    ...(parts.onEventNamesChanged !== undefined && { onEventNamesChanged: parts.onEventNamesChanged }),
    work: data.work,
    clock
  }
  return { options, outbound }
}
