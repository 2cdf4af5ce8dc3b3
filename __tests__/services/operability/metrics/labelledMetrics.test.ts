import { Registry } from 'prom-client'
import type { Metric } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { LabelledCounter, LabelledHistogram } from '../../../../services/operability/metrics/labelledMetrics.js'

function registryOf (...metrics: (LabelledCounter | LabelledHistogram)[]): Registry {
  const registry = new Registry()
  for (const metric of metrics) registry.registerMetric(metric as unknown as Metric)
  return registry
}

describe('LabelledCounter', () => {
  it('keeps one series per set of label values, whatever the order of the labels object', async () => {
    const counter = new LabelledCounter('test_total', 'Tests', ['route', 'status'])
    const bound = counter.series({ route: '/a', status: '200' })
    bound.inc()
    bound.inc(2)
    counter.series({ status: '200', route: '/a' }).inc()
    counter.series({ route: '/a', status: '500' })
    expect(await registryOf(counter).metrics()).toBe([
      '# HELP test_total Tests',
      '# TYPE test_total counter',
      'test_total{route="/a",status="200"} 4',
      'test_total{route="/a",status="500"} 0',
      ''
    ].join('\n'))
  })

  it('only goes up', () => {
    const series = new LabelledCounter('test_total', 'Tests', []).series({})
    expect(() => { series.inc(-1) }).toThrow(RangeError)
    expect(() => { series.inc(Number.NaN) }).toThrow(RangeError)
  })

  it('moves its series from the hook it runs before every scrape', async () => {
    let total = 0
    const counter = new LabelledCounter('pulled_total', 'Pulled', [], () => { counter.series({}).inc(total) })
    total = 5
    expect(await registryOf(counter).metrics()).toContain('pulled_total 5')
  })
})

describe('LabelledHistogram', () => {
  it('exposes cumulative buckets, +Inf, sum and count per series, as prom-client does', async () => {
    const histogram = new LabelledHistogram('test_seconds', 'Durations', ['route'], [0.1, 1])
    const series = histogram.series({ route: '/a' })
    for (const value of [0.05, 0.1, 0.5, 3]) series.observe(value)
    expect(await registryOf(histogram).metrics()).toBe([
      '# HELP test_seconds Durations',
      '# TYPE test_seconds histogram',
      'test_seconds_bucket{le="0.1",route="/a"} 2',
      'test_seconds_bucket{le="1",route="/a"} 3',
      'test_seconds_bucket{le="+Inf",route="/a"} 4',
      'test_seconds_sum{route="/a"} 3.65',
      'test_seconds_count{route="/a"} 4',
      ''
    ].join('\n'))
  })

  it('uses prom-client\'s default buckets, and sorts the buckets it is given', async () => {
    const defaults = new LabelledHistogram('default_seconds', 'Defaults', [])
    defaults.series({}).observe(0.007)
    const exposition = await registryOf(defaults).metrics()
    expect(exposition).toContain('default_seconds_bucket{le="0.005"} 0')
    expect(exposition).toContain('default_seconds_bucket{le="0.01"} 1')
    expect(exposition).toContain('default_seconds_bucket{le="10"} 1')
    const unsorted = new LabelledHistogram('unsorted_seconds', 'Unsorted', [], [1, 0.1])
    unsorted.series({}).observe(0.5)
    expect((await registryOf(unsorted).metrics()).split('\n').filter((line) => line.startsWith('unsorted_seconds_bucket'))).toEqual([
      'unsorted_seconds_bucket{le="0.1"} 0', 'unsorted_seconds_bucket{le="1"} 1', 'unsorted_seconds_bucket{le="+Inf"} 1'
    ])
  })

  it('gives every label on each value in the JSON form', async () => {
    const histogram = new LabelledHistogram('json_seconds', 'JSON', ['route'], [1])
    histogram.series({ route: '/a' }).observe(2)
    const [json] = await registryOf(histogram).getMetricsAsJSON()
    expect(json?.values).toEqual([
      { metricName: 'json_seconds_bucket', labels: { route: '/a', le: 1 }, value: 0 },
      { metricName: 'json_seconds_bucket', labels: { route: '/a', le: '+Inf' }, value: 1 },
      { metricName: 'json_seconds_sum', labels: { route: '/a' }, value: 2 },
      { metricName: 'json_seconds_count', labels: { route: '/a' }, value: 1 }
    ])
  })

  it('refuses what it cannot expose', () => {
    expect(() => new LabelledHistogram('bad_seconds', 'Bad', ['le'])).toThrow(TypeError)
    const series = new LabelledHistogram('finite_seconds', 'Finite', []).series({})
    expect(() => { series.observe(Number.POSITIVE_INFINITY) }).toThrow(RangeError)
    expect(() => { series.observe(Number.NaN) }).toThrow(RangeError)
  })
})
