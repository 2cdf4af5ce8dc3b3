import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CounterHandle, GaugeHandle, HandlesOf, HistogramHandle, MetricFamily } from './metricFamily.js'

export interface MetricsOptions {
  /**
   * Register prom-client's process metrics (CPU, memory, event loop, GC); default true. Each call
   * adds a GC observer that is never removed, so suites building hundreds of apps may turn it off.
   */
  readonly processMetrics?: boolean
}

/** One instance's metrics: areas register their families, the operability routes expose them. */
export interface Metrics {
  /** This instance's own registry: never prom-client's global one, so apps built side by side never clash. */
  readonly registry: Registry
  /** The exposition's content type: `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string
  /** Registers each family of a table and returns a handle for each, under the same keys. */
  register: <T extends Readonly<Record<string, MetricFamily>>>(families: T) => HandlesOf<T>
  /** The registry in Prometheus text format. */
  expose: () => Promise<string>
}

/**
 * Finds a labelled child by one string key, made of the label values in the family's order:
 * prom-client would otherwise hash the label object on every call, and these are paid per request.
 * Bounded by the label values the code uses (route patterns × methods × statuses and the like).
 */
function seriesCache<C> (labelNames: readonly string[], make: (labels: Record<string, string>) => C): (labels: Readonly<Record<string, string>>) => C {
  const children = new Map<string, C>()
  return (labels) => {
    let key = ''
    for (const name of labelNames) key += `${labels[name] ?? ''}\u0000`
    let child = children.get(key)
    if (child === undefined) {
      child = make({ ...labels })
      children.set(key, child)
    }
    return child
  }
}

function counterHandle (family: MetricFamily, registry: Registry): CounterHandle<string> {
  let read: Parameters<CounterHandle<string>['collect']>[0] | undefined
  // What each series was last moved to by the collector: a counter only goes up, by the difference.
  const collected = new Map<string, number>()
  const metric: Counter = new Counter({
    name: family.name,
    help: family.help,
    labelNames: family.labels,
    registers: [registry],
    collect () {
      if (read === undefined) return
      for (const [labels, total] of read()) {
        const key = family.labels.map((name) => labels[name] ?? '').join('\u0000')
        const before = collected.get(key) ?? 0
        if (total > before || !collected.has(key)) child(labels).inc(Math.max(0, total - before))
        collected.set(key, Math.max(before, total))
      }
    }
  })
  const child = seriesCache(family.labels, (labels) => metric.labels(labels))
  return {
    inc: (labels, value = 1) => { child(labels).inc(value) },
    collect: (next) => { read = next }
  }
}

function gaugeHandle (family: MetricFamily, registry: Registry): GaugeHandle<string> {
  let read: Parameters<GaugeHandle<string>['collect']>[0] | undefined
  const metric: Gauge = new Gauge({
    name: family.name,
    help: family.help,
    labelNames: family.labels,
    registers: [registry],
    async collect () {
      if (read === undefined) return
      for (const [labels, value] of await read()) metric.set(labels, value)
    }
  })
  return {
    set: (labels, value) => { metric.set(labels, value) },
    collect: (next) => { read = next }
  }
}

function histogramHandle (family: MetricFamily & { kind: 'histogram' }, registry: Registry): HistogramHandle<string> {
  const metric = new Histogram({
    name: family.name,
    help: family.help,
    labelNames: family.labels,
    registers: [registry],
    ...(family.buckets !== undefined && { buckets: [...family.buckets] })
  })
  const child = seriesCache(family.labels, (labels) => metric.labels(labels))
  return { observe: (labels, value) => { child(labels).observe(value) } }
}

/** A fresh registry, with prom-client's process metrics unless turned off. */
export function createMetrics (options: MetricsOptions = {}): Metrics {
  const registry = new Registry()
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })
  return {
    registry,
    contentType: registry.contentType,
    register (families) {
      const handles: Record<string, CounterHandle<string> | GaugeHandle<string> | HistogramHandle<string>> = {}
      for (const [key, family] of Object.entries(families)) {
        switch (family.kind) {
          case 'counter': handles[key] = counterHandle(family, registry); break
          case 'gauge': handles[key] = gaugeHandle(family, registry); break
          case 'histogram': handles[key] = histogramHandle(family, registry); break
        }
      }
      return handles as HandlesOf<typeof families>
    },
    expose: () => registry.metrics()
  }
}
