import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallOutcome, UpstreamOperation } from '../gateway/upstream/eventServiceClient.js'

/** Every name the breaker's state can take, forced ones included: each gets its own `breaker_state` series. */
export const breakerStates = ['closed', 'open', 'half-open', 'forced-open', 'forced-closed'] as const
export type BreakerStateLabel = typeof breakerStates[number]

/** Why a request was turned away without reaching event.com. */
export const rejectionReasons = ['open', 'half-open', 'forced-open', 'bulkhead', 'rate-limit'] as const
export type RejectionReason = typeof rejectionReasons[number]

/** The client's own names, so its `onCall` reports plug straight in. */
export type { UpstreamOperation }
export type UpstreamOutcome = CallOutcome

/** One breaker transition, as the breaker's `onStateChange` reports it. */
export interface TransitionLabels {
  readonly from: BreakerStateLabel
  readonly to: BreakerStateLabel
  readonly reason: string
}

/** One answered HTTP request; `route` is the route pattern (or 'not-found'), never the raw URL. */
export interface RequestLabels {
  readonly route: string
  readonly method: string
  readonly status: string
}

/** Read on every scrape, so the gauges never go stale. */
export interface GaugeSources {
  readonly storeCounts: () => Promise<{ users: number, events: number }>
  readonly idempotencyKeys: () => number
}

export interface MetricsOptions {
  /**
   * Register prom-client's process metrics (CPU, memory, event loop, GC); default true. Each call
   * adds a GC observer that is never removed, so suites building hundreds of apps may turn it off.
   */
  readonly processMetrics?: boolean
}

export interface Metrics {
  /** This instance's own registry: never prom-client's global one, so apps built side by side never clash. */
  readonly registry: Registry
  /** The exposition's content type: `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string
  /** Records an answered request that took `seconds`. */
  recordRequest: (labels: RequestLabels, seconds: number) => void
  /** Counts the transition and moves `breaker_state` to its target. */
  recordTransition: (transition: TransitionLabels) => void
  recordRejection: (reason: RejectionReason) => void
  /** Records one call that reached (or tried to reach) event.com and took `seconds`. */
  recordUpstreamCall: (operation: UpstreamOperation, outcome: UpstreamOutcome, seconds: number) => void
  setBreakerState: (name: BreakerStateLabel) => void
  setGauges: (sources: GaugeSources) => void
  /** The registry in Prometheus text format. */
  expose: () => Promise<string>
}

/** One labelled series of a counter and its histogram. */
interface Series {
  readonly count: { inc: () => void }
  readonly duration: { observe: (value: number) => void }
}

/** Builds the gateway's metrics on a fresh registry. */
export function createMetrics (options: MetricsOptions = {}): Metrics {
  const registry = new Registry()
  const registers = [registry]
  let sources: GaugeSources | undefined

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers
  })
  // prom-client's default buckets (5 ms to 10 s) span both cached reads and a write that waits for the upstream timeout.
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending the last byte of its response, in seconds',
    labelNames: ['route', 'method', 'status'] as const,
    registers
  })
  const breakerState = new Gauge({
    name: 'breaker_state',
    help: 'The circuit breaker state: 1 for the current state, 0 for the others',
    labelNames: ['state'] as const,
    registers
  })
  const transitions = new Counter({
    name: 'breaker_transitions_total',
    help: 'Circuit breaker transitions, by origin, target and reason',
    labelNames: ['from', 'to', 'reason'] as const,
    registers
  })
  const rejections = new Counter({
    name: 'rejections_total',
    help: 'Requests turned away without reaching the event service, by reason',
    labelNames: ['reason'] as const,
    registers
  })
  const upstreamCalls = new Counter({
    name: 'upstream_calls_total',
    help: 'Calls to the event service, by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers
  })
  const upstreamDuration = new Histogram({
    name: 'upstream_call_duration_seconds',
    help: 'Duration of calls to the event service, by operation and outcome, in seconds',
    labelNames: ['operation', 'outcome'] as const,
    registers
  })
  new Gauge({
    name: 'store_users',
    help: 'Users in the gateway store',
    registers,
    async collect () {
      if (sources !== undefined) this.set((await sources.storeCounts()).users)
    }
  })
  new Gauge({
    name: 'store_events',
    help: 'Events in the gateway store',
    registers,
    async collect () {
      if (sources !== undefined) this.set((await sources.storeCounts()).events)
    }
  })
  new Gauge({
    name: 'idempotency_keys',
    help: 'Idempotency keys currently remembered',
    registers,
    collect () {
      if (sources !== undefined) this.set(sources.idempotencyKeys())
    }
  })
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })

  function setBreakerState (name: BreakerStateLabel): void {
    for (const state of breakerStates) breakerState.set({ state }, state === name ? 1 : 0)
  }

  // Per-series children, found by one string key: prom-client would otherwise hash the label object twice per request.
  // Bounded: route patterns × methods × statuses.
  const requestSeries = new Map<string, Series>()
  const upstreamSeries = new Map<string, Series>()

  // Series that exist from the start let rate() and alerts see a zero instead of nothing.
  setBreakerState('closed')
  for (const reason of rejectionReasons) rejections.inc({ reason }, 0)

  return {
    registry,
    contentType: registry.contentType,
    recordRequest (labels, seconds) {
      const key = `${labels.route} ${labels.method} ${labels.status}`
      let series = requestSeries.get(key)
      if (series === undefined) {
        series = { count: requests.labels(labels), duration: requestDuration.labels(labels) }
        requestSeries.set(key, series)
      }
      series.count.inc()
      series.duration.observe(seconds)
    },
    recordTransition (transition) {
      transitions.inc({ from: transition.from, to: transition.to, reason: transition.reason })
      setBreakerState(transition.to)
    },
    recordRejection (reason) {
      rejections.inc({ reason })
    },
    recordUpstreamCall (operation, outcome, seconds) {
      const key = `${operation} ${outcome}`
      let series = upstreamSeries.get(key)
      if (series === undefined) {
        series = { count: upstreamCalls.labels({ operation, outcome }), duration: upstreamDuration.labels({ operation, outcome }) }
        upstreamSeries.set(key, series)
      }
      series.count.inc()
      series.duration.observe(seconds)
    },
    setBreakerState,
    setGauges (next) {
      sources = next
    },
    expose () {
      return registry.metrics()
    }
  }
}
