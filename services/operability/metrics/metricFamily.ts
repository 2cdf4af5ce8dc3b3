import type { CounterSeries, HistogramSeries } from './labelledMetrics.js'

/** A metric family as an area declares it: one line in its table (see `metricsRegistry`). */
export type MetricFamily<L extends string = string> =
  | { readonly kind: 'counter', readonly name: string, readonly help: string, readonly labels: readonly L[] }
  | { readonly kind: 'gauge', readonly name: string, readonly help: string, readonly labels: readonly L[] }
  | { readonly kind: 'histogram', readonly name: string, readonly help: string, readonly labels: readonly L[], readonly buckets?: readonly number[] }

export function counter<const L extends string = never> (name: string, help: string, labels: readonly L[] = []): MetricFamily<L> & { kind: 'counter' } {
  return { kind: 'counter', name, help, labels }
}

export function gauge<const L extends string = never> (name: string, help: string, labels: readonly L[] = []): MetricFamily<L> & { kind: 'gauge' } {
  return { kind: 'gauge', name, help, labels }
}

/** `buckets` in the observed unit (seconds, for durations); prom-client's defaults (5 ms to 10 s) when absent. */
export function histogram<const L extends string = never> (name: string, help: string, labels: readonly L[] = [], buckets?: readonly number[]): MetricFamily<L> & { kind: 'histogram' } {
  return buckets === undefined ? { kind: 'histogram', name, help, labels } : { kind: 'histogram', name, help, labels, buckets }
}

export type Labels<L extends string> = Readonly<Record<L, string>>

export interface CounterHandle<L extends string> {
  inc: (labels: Labels<L>, value?: number) => void
  /** The series for `labels`, to keep where one is moved on a hot path: moving it looks nothing up. */
  series: (labels: Labels<L>) => CounterSeries
  /** Reads running totals kept elsewhere at every scrape; they only grow. Replaces any earlier collector. */
  collect: (read: () => Iterable<readonly [Labels<L>, number]>) => void
}

export interface GaugeHandle<L extends string> {
  set: (labels: Labels<L>, value: number) => void
  /** Read at every scrape, so the gauge never goes stale; replaces any earlier collector. */
  collect: (read: () => Iterable<readonly [Labels<L>, number]> | Promise<Iterable<readonly [Labels<L>, number]>>) => void
}

export interface HistogramHandle<L extends string> {
  observe: (labels: Labels<L>, value: number) => void
  /** The series for `labels`, to keep where one is observed on a hot path. */
  series: (labels: Labels<L>) => HistogramSeries
}

/** The handle the registry gives back for a family. */
export type HandleOf<F> =
  F extends MetricFamily<infer L> & { kind: 'counter' } ? CounterHandle<L>
    : F extends MetricFamily<infer L> & { kind: 'gauge' } ? GaugeHandle<L>
      : F extends MetricFamily<infer L> & { kind: 'histogram' } ? HistogramHandle<L>
        : never

export type HandlesOf<T extends Readonly<Record<string, MetricFamily>>> = { readonly [K in keyof T]: HandleOf<T[K]> }
