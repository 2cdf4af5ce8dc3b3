import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { Bulkhead } from '../../../utils/bulkhead.js'
import type { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import type { Clock, Random } from '../../../utils/clock.js'
import { counter, gauge, histogram } from '../../operability/index.js'
import { breakerSnapshotSchema } from '../schemas.js'
import type { GatewaySettings } from '../settings.js'
import { createEventWriter } from '../writes/eventWriter.js'
import type { EventWriter } from '../writes/eventWriter.js'
import { createEventServiceBreaker } from './eventServiceBreaker.js'
import { createEventServiceClient } from './eventServiceClient.js'
import type { EventServiceClient } from './eventServiceClient.js'
import { SharedRetryAfter } from './sharedRetryAfter.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The client for event.com's reads (hydration) and lookups. */
    eventService: EventServiceClient
    /** The breaker in front of event.com's writes: /health shows it, operators force it. */
    eventServiceBreaker: CircuitBreaker
    /** Sends a write to event.com through the bulkhead and the breaker. */
    forwardEvent: EventWriter
    /** How full the write bulkhead is, for metrics and checks. */
    writeBulkhead: BulkheadView
  }
}

export interface EventServicePluginOptions {
  readonly settings: GatewaySettings
  readonly clock: Clock
  readonly random: Random
  /** Replaces the undici client, e.g. one on the mocks' in-process dispatcher; closed with the app all the same. */
  readonly client?: EventServiceClient
  /** Sends the client's requests instead of a Pool of its own (e.g. the mocks' in-process model of event.com). */
  readonly dispatcher?: Dispatcher
  /** Makes the signal that ends one call after the timeout; replaceable so tests fire it. */
  readonly timeoutSignal?: (timeoutMs: number) => AbortSignal
}

/** The write bulkhead's bounds and occupancy, read-only. */
export type BulkheadView = Pick<Bulkhead, 'active' | 'queued' | 'maxConcurrent' | 'maxQueue'>

export const breakerStates = ['closed', 'open', 'half-open', 'forced-open', 'forced-closed'] as const

const families = {
  breakerState: gauge('breaker_state', 'The circuit breaker state: 1 for the current state, 0 for the others', ['state']),
  breakerTransitions: counter('breaker_transitions_total', 'Circuit breaker transitions, by origin, target and reason', ['from', 'to', 'reason']),
  upstreamCalls: counter('upstream_calls_total', 'Calls to the event service, by operation and outcome', ['operation', 'outcome']),
  upstreamCallDuration: histogram('upstream_call_duration_seconds', 'Duration of calls to the event service, by operation and outcome, in seconds', ['operation', 'outcome']),
  writesInFlight: gauge('upstream_writes_in_flight', 'Writes being sent to the event service now (at most UPSTREAM_MAX_INFLIGHT)'),
  writesQueued: gauge('upstream_writes_queued', 'Writes waiting for a slot in the write bulkhead (at most UPSTREAM_MAX_QUEUE)')
}

const sharingFamilies = {
  retryAfterShared: counter('upstream_retry_after_shared_total', 'The event service\'s Retry-After passed between instances through Redis: published by this one, or received and held', ['direction']),
  retryAfterSharingErrors: counter('upstream_retry_after_sharing_errors_total', 'Redis calls of the Retry-After sharing that failed (slow or away)')
}

/** event.com: its client, the breaker in front of its writes, and the write path through the bulkhead. */
export const eventServicePlugin = fp<EventServicePluginOptions>((app, options, done) => {
  const { settings, clock, random } = options
  const metrics = app.metrics.register(families)
  const client = options.client ?? createEventServiceClient({
    baseUrl: requireUrl(settings.eventServiceUrl),
    timeoutMs: settings.upstreamTimeoutMs,
    bulkTimeoutMs: settings.hydrationTimeoutMs,
    // One socket per write the bulkhead lets through, so no admitted write waits for a connection.
    connections: settings.upstreamMaxInflight,
    clock,
    onCall: (call) => {
      const labels = { operation: call.operation, outcome: call.outcome }
      metrics.upstreamCalls.inc(labels)
      metrics.upstreamCallDuration.observe(labels, call.durationMs / 1000)
    },
    ...(options.timeoutSignal && { timeoutSignal: options.timeoutSignal }),
    ...(options.dispatcher && { dispatcher: options.dispatcher })
  })
  const breaker = createEventServiceBreaker(settings, {
    clock,
    random,
    onStateChange: (change) => {
      metrics.breakerTransitions.inc({ from: change.from, to: change.to, reason: change.reason })
      app.log.warn({ breaker: change }, `breaker ${change.from} -> ${change.to}`)
      // Only what event.com said itself is passed on: a time heard from another instance opens with no upstreamRetryAt.
      if (change.upstreamRetryAt !== undefined && shared !== undefined) void shared.publish(change.upstreamRetryAt)
    }
  })
  // Declared after the breaker, which only reads it once a call has settled.
  const shared = shareRetryAfter(app, breaker, clock)
  // Read at scrape time, so the gauge is right whatever moved the breaker.
  metrics.breakerState.collect(() => breakerStates.map((state) => [{ state }, state === breaker.state ? 1 : 0] as const))
  const bulkhead = new Bulkhead({ maxConcurrent: settings.upstreamMaxInflight, maxQueue: settings.upstreamMaxQueue })
  metrics.writesInFlight.collect(() => [[{}, bulkhead.active]])
  metrics.writesQueued.collect(() => [[{}, bulkhead.queued]])

  app.decorate('eventService', client)
  app.decorate('eventServiceBreaker', breaker)
  app.decorate('forwardEvent', createEventWriter({ bulkhead, breaker, eventService: client }))
  app.decorate('writeBulkhead', bulkhead)
  app.health.report({
    name: 'breaker',
    schema: breakerSnapshotSchema,
    read: () => breaker.snapshot()
  })
  app.addHook('onClose', () => client.close())
  done()
}, { name: 'event-service', fastify: '5.x', dependencies: ['metrics', 'health', 'redis'] })

/**
 * The breaker stays this instance's own; only event.com's Retry-After is shared, so the other
 * instances pause as asked without each spending a probe to learn it.
 */
function shareRetryAfter (app: FastifyInstance, breaker: CircuitBreaker, clock: Clock): SharedRetryAfter | undefined {
  const redis = app.redis
  if (redis === undefined) return undefined
  const metrics = app.metrics.register(sharingFamilies)
  const shared = new SharedRetryAfter({
    redis,
    clock,
    onRetryAt: (retryAt) => { if (breaker.holdOpenUntil(retryAt)) metrics.retryAfterShared.inc({ direction: 'received' }) },
    onPublished: () => { metrics.retryAfterShared.inc({ direction: 'published' }) },
    onError: () => { metrics.retryAfterSharingErrors.inc({}) }
  })
  app.addHook('onReady', () => shared.start())
  app.addHook('onClose', () => { shared.close() })
  return shared
}

function requireUrl (url: string | undefined): string {
  if (url === undefined) throw new TypeError('the event service plugin needs settings.eventServiceUrl or a client')
  return url
}
