import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Metric } from 'prom-client'
import { LabelledCounter, LabelledHistogram } from './labelledMetrics.js'
import type { CounterSeries } from './labelledMetrics.js'
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

/** prom-client's registry takes its own metric classes; it reads only `name`, `help`, `type`, `aggregator` and `get()`. */
function asRegistered (metric: LabelledCounter | LabelledHistogram): Metric {
  return metric as unknown as Metric
}

function counterHandle (family: MetricFamily, registry: Registry): CounterHandle<string> {
  let read: Parameters<CounterHandle<string>['collect']>[0] | undefined
  // What each series was last moved to by the collector: a counter only goes up, by the difference.
  const collected = new Map<CounterSeries, number>()
  const metric = new LabelledCounter(family.name, family.help, family.labels, () => {
    if (read === undefined) return
    for (const [labels, total] of read()) {
      const series = metric.series(labels)
      const before = collected.get(series) ?? 0
      series.inc(Math.max(0, total - before))
      collected.set(series, Math.max(before, total))
    }
  })
  registry.registerMetric(asRegistered(metric))
  return {
    inc: (labels, value = 1) => { metric.series(labels).inc(value) },
    series: (labels) => metric.series(labels),
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
  const metric = new LabelledHistogram(family.name, family.help, family.labels, family.buckets)
  registry.registerMetric(asRegistered(metric))
  return {
    observe: (labels, value) => { metric.series(labels).observe(value) },
    series: (labels) => metric.series(labels)
  }
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
