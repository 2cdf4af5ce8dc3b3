/** prom-client's default buckets, in seconds: 5 ms to 10 s. */
export const defaultBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

type LabelValues = Readonly<Record<string, string>>

/** One sample as prom-client's registry formats it: `metricName` (default: the family's), its labels, those of its series. */
export interface Sample {
  readonly metricName?: string
  readonly labels: Readonly<Record<string, string | number>>
  readonly sharedLabels?: LabelValues
  readonly value: number
}

/** What prom-client's registry reads from a metric at scrape time. */
export interface Exposed {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'histogram'
  readonly aggregator: 'sum'
  readonly values: Sample[]
}

/** One counter series, bound to its labels: incrementing it looks nothing up. */
export interface CounterSeries { inc: (value?: number) => void }

/** One histogram series, bound to its labels. */
export interface HistogramSeries { observe: (value: number) => void }

/**
 * The series of one family, found by one string key made of the label values in the family's
 * order. prom-client's own counters and histograms validate and hash the label object on every
 * call, even through `labels()`; these are paid per request, so the families the gateway records
 * keep their own values and hand them to the registry at scrape time (prom-client's metric
 * interface: `name`, `help`, `type`, `get()`). Bounded by the label values the code uses (route
 * patterns × methods × statuses and the like).
 */
class SeriesTable<S> {
  private readonly series = new Map<string, S>()

  constructor (private readonly labelNames: readonly string[], private readonly make: (labels: LabelValues) => S) {}

  get (labels: LabelValues): S {
    let key = ''
    for (const name of this.labelNames) key += `${labels[name] ?? ''}\u0000`
    let found = this.series.get(key)
    if (found === undefined) {
      const own: Record<string, string> = {}
      for (const name of this.labelNames) own[name] = labels[name] ?? ''
      found = this.make(own)
      this.series.set(key, found)
    }
    return found
  }

  values (): IterableIterator<S> {
    return this.series.values()
  }
}

interface CounterValue { readonly labels: LabelValues, value: number }

/** A counter family (prom-client's `counter` exposition) that only ever goes up. */
export class LabelledCounter {
  readonly type = 'counter'
  readonly aggregator = 'sum'
  private readonly table: SeriesTable<CounterValue & CounterSeries>

  constructor (readonly name: string, readonly help: string, labelNames: readonly string[], private readonly beforeScrape?: () => void) {
    this.table = new SeriesTable(labelNames, (labels) => {
      const series = {
        labels,
        value: 0,
        inc: (value = 1) => {
          if (!(value >= 0)) throw new RangeError(`${name} only goes up: cannot add ${value}`)
          series.value += value
        }
      }
      return series
    })
  }

  /** The series for `labels`, created at 0 the first time. */
  series (labels: LabelValues): CounterSeries {
    return this.table.get(labels)
  }

  get (): Promise<Exposed> {
    this.beforeScrape?.()
    const values: Sample[] = []
    for (const { labels, value } of this.table.values()) values.push({ labels, value })
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values })
  }
}

interface HistogramValue { readonly labels: LabelValues, readonly counts: number[], sum: number, count: number }

/** A histogram family (prom-client's `histogram` exposition: cumulative `_bucket`s, `_sum`, `_count`). */
export class LabelledHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly bounds: readonly number[]
  private readonly table: SeriesTable<HistogramValue & HistogramSeries>

  constructor (readonly name: string, readonly help: string, labelNames: readonly string[], buckets: readonly number[] = defaultBuckets) {
    if (labelNames.includes('le')) throw new TypeError('le is the bucket label: a histogram cannot have a label of that name')
    const bounds = [...buckets].sort((a, b) => a - b)
    this.bounds = bounds
    this.table = new SeriesTable(labelNames, (labels) => {
      const series = {
        labels,
        counts: bounds.map(() => 0),
        sum: 0,
        count: 0,
        observe: (value: number) => {
          if (!Number.isFinite(value)) throw new RangeError(`${name} observes finite numbers, not ${value}`)
          // Past the last bound, the value is only in +Inf (the count).
          let index = 0
          while (index < bounds.length && value > (bounds[index] ?? Infinity)) index++
          if (index < bounds.length) series.counts[index] = (series.counts[index] ?? 0) + 1
          series.sum += value
          series.count += 1
        }
      }
      return series
    })
  }

  series (labels: LabelValues): HistogramSeries {
    return this.table.get(labels)
  }

  /** As prom-client's own histogram gives it to the text format: the series' labels as shared labels, `le` apart. */
  getForPromString (): Promise<Exposed> {
    const values: Sample[] = []
    const bucket = `${this.name}_bucket`
    for (const { labels, counts, sum, count } of this.table.values()) {
      let cumulative = 0
      for (const [index, bound] of this.bounds.entries()) {
        cumulative += counts[index] ?? 0
        values.push({ labels: { le: bound }, value: cumulative, metricName: bucket, sharedLabels: labels })
      }
      values.push(
        { labels: { le: '+Inf' }, value: count, metricName: bucket, sharedLabels: labels },
        { labels: {}, value: sum, metricName: `${this.name}_sum`, sharedLabels: labels },
        { labels: {}, value: count, metricName: `${this.name}_count`, sharedLabels: labels }
      )
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values })
  }

  /** The JSON form (`registry.getMetricsAsJSON()`): every label on its value. */
  async get (): Promise<Exposed> {
    const data = await this.getForPromString()
    return { ...data, values: data.values.map(({ sharedLabels, ...sample }) => ({ ...sample, labels: { ...sharedLabels, ...sample.labels } })) }
  }
}
