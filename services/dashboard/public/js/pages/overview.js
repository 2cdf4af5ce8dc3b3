/** Overview: runs by status, queue depth, breakers, charts of events and step outcomes over a window, and step latency by type. */
import { get, withQuery } from '../api.js'
import { createChart, failedColour, okColour, palette } from '../charts.js'
import { badge, field, h, replaceChildren, select, table } from '../dom.js'
import { clock, duration } from '../format.js'
import { describeError, notify } from '../notice.js'
import { href } from '../router.js'

const windows = {
  hour: { label: 'Last hour', spanMs: 3_600_000, bucket: 'minute', bucketMs: 60_000, per: 'minute' },
  day: { label: 'Last day', spanMs: 86_400_000, bucket: 'hour', bucketMs: 3_600_000, per: 'hour' },
  week: { label: 'Last week', spanMs: 7 * 86_400_000, bucket: 'day', bucketMs: 86_400_000, per: 'day' }
}

const runStatuses = ['running', 'waiting', 'completed', 'failed', 'cancelled', 'exited']
/** Event names drawn as their own line; the rest are summed as "other". */
const MAX_SERIES = 5

/** The buckets from `from` to `to`, each `bucketMs` long, as epoch milliseconds. */
function bucketGrid (from, to, bucketMs) {
  const grid = []
  for (let t = Math.floor(from / bucketMs) * bucketMs; t <= to; t += bucketMs) grid.push(t)
  return grid
}

function bucketLabel (t, bucket) {
  const date = new Date(t)
  if (bucket === 'day') return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })
  if (bucket === 'hour') return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  return clock(t).slice(0, 5)
}

/** Counts by bucket for each name: `{ names, series: Map<name, number[]> }`, the busiest names first. */
function seriesByName (rows, grid, bucketMs) {
  const index = new Map(grid.map((t, i) => [t, i]))
  const totals = new Map()
  for (const row of rows) totals.set(row.name, (totals.get(row.name) ?? 0) + row.count)
  const names = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a))
  const shown = names.slice(0, MAX_SERIES)
  const series = new Map(shown.map((name) => [name, grid.map(() => 0)]))
  if (names.length > MAX_SERIES) series.set('other', grid.map(() => 0))
  for (const row of rows) {
    const i = index.get(Math.floor(new Date(row.bucket).getTime() / bucketMs) * bucketMs)
    if (i === undefined) continue
    const line = series.get(row.name) ?? series.get('other')
    line[i] += row.count
  }
  return { total: [...totals.values()].reduce((a, b) => a + b, 0), series }
}

/** `rows`' `keys` (e.g. ok, failed) laid on the grid: `{ totals: {key: n}, series: {key: number[]} }`. */
function seriesOverTime (rows, grid, bucketMs, keys) {
  const index = new Map(grid.map((t, i) => [t, i]))
  const totals = Object.fromEntries(keys.map((key) => [key, 0]))
  const series = Object.fromEntries(keys.map((key) => [key, grid.map(() => 0)]))
  for (const row of rows) {
    for (const key of keys) totals[key] += row[key]
    const i = index.get(Math.floor(new Date(row.bucket).getTime() / bucketMs) * bucketMs)
    if (i === undefined) continue
    for (const key of keys) series[key][i] += row[key]
  }
  return { totals, series }
}

/** Outbound destinations shown in the Breaker card; the rest are counted. */
const MAX_DESTINATIONS = 8

/**
 * The journeys' outbound destinations (email provider, webhook origins), each with its breaker's
 * state and, while open, when it lets a probe through: those not closed first, then the most recently called.
 */
function destinationRows (destinations) {
  const sorted = [...destinations].sort((a, b) => Number(a.state === 'closed') - Number(b.state === 'closed'))
  const rows = sorted.slice(0, MAX_DESTINATIONS).map((destination) => [
    h('dt', { class: 'origin', 'data-origin': destination.origin }, destination.origin),
    h('dd', { 'data-origin': destination.origin }, badge(destination.state),
      destination.retryAfterMs === undefined ? null : h('span', { class: 'retry-after' }, ` probe in ${duration(destination.retryAfterMs)}`))
  ])
  const hidden = sorted.slice(MAX_DESTINATIONS)
  if (hidden.length === 0) return rows
  const notClosed = hidden.filter((destination) => destination.state !== 'closed').length
  return [...rows, h('dt', {}, `${hidden.length} more destinations`), h('dd', {}, notClosed === 0 ? 'all closed' : `${notClosed} not closed`)]
}

function statCard (title, body) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), body)
}

export function mountOverview (view) {
  const windowSelect = select({ id: 'overview-window', name: 'window' }, Object.entries(windows).map(([value, w]) => [value, w.label]), 'hour')
  const cards = h('div', { class: 'cards' })
  const events = createChart({ title: 'Events per minute', type: 'line', yTitle: 'events' })
  const steps = createChart({ title: 'Steps per minute', type: 'bar', stacked: true, yTitle: 'attempts' })
  const latency = createChart({ title: 'Step latency by type', type: 'bar', yTitle: 'ms' })
  const tables = h('div', { class: 'tables' })

  view.append(
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Overview'),
      h('form', { class: 'inline-form', onsubmit: (event) => { event.preventDefault() } }, field('Window', windowSelect))
    ),
    cards,
    h('div', { class: 'charts' }, events.figure, steps.figure, latency.figure),
    tables
  )

  let unmounted = false

  async function refresh () {
    const w = windows[windowSelect.value] ?? windows.hour
    const to = Date.now()
    const from = to - w.spanMs
    const [analytics, health] = await Promise.all([
      get(withQuery('/api/analytics', { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: w.bucket })),
      get('/health')
    ])
    // Left while the figures were on their way: the charts are gone.
    if (unmounted) return
    renderCards(analytics, health)
    renderCharts(analytics, w, from, to)
  }

  function renderCards (analytics, health) {
    const byStatus = analytics.runs?.byStatus ?? {}
    const runList = h('dl', { class: 'stats' }, runStatuses.map((status) => [
      h('dt', {}, badge(status)), h('dd', { 'data-status': status }, String(byStatus[status] ?? 0))
    ]))
    const queue = health.journeys?.queue ?? {}
    const queueList = h('dl', { class: 'stats' },
      h('dt', {}, 'Ready'), h('dd', { 'data-queue': 'ready' }, String(queue.ready ?? '—')),
      h('dt', {}, 'Deferred (waits, retries)'), h('dd', { 'data-queue': 'deferred' }, String(queue.deferred ?? '—')),
      h('dt', {}, 'Active'), h('dd', { 'data-queue': 'active' }, String(queue.active ?? '—'))
    )
    const breaker = health.breaker ?? {}
    const breakerList = h('dl', { class: 'stats' },
      h('dt', {}, 'event.com'), h('dd', {}, badge(breaker.state ?? 'unknown')),
      h('dt', {}, 'Failures in a row'), h('dd', {}, String(breaker.consecutiveFailures ?? '—')),
      destinationRows(health.journeys?.destinations ?? []))
    replaceChildren(cards,
      statCard('Runs by status', runList),
      statCard('Queue', queueList),
      statCard('Breaker', breakerList),
      statCard('Engine', h('p', {}, badge(health.journeys?.state ?? 'off'), ' ', health.journeys?.database ?? ''))
    )
  }

  function renderCharts (analytics, w, from, to) {
    const grid = bucketGrid(from, to, w.bucketMs)
    const labels = grid.map((t) => bucketLabel(t, w.bucket))

    const eventSeries = seriesByName(analytics.events ?? [], grid, w.bucketMs)
    events.update(labels, [...eventSeries.series].map(([name, data], i) => ({ label: name, data, colour: palette[i % palette.length] })),
      `${eventSeries.total} events in the ${w.label.toLowerCase()}, per ${w.per}`)

    const stepSeries = seriesOverTime(analytics.stepsOverTime ?? [], grid, w.bucketMs, ['ok', 'failed'])
    steps.update(labels, [
      { label: 'ok', data: stepSeries.series.ok, colour: okColour },
      { label: 'failed', data: stepSeries.series.failed, colour: failedColour }
    ], stepSeries.totals.ok + stepSeries.totals.failed === 0
      ? 'No steps ran in this window'
      : `${stepSeries.totals.ok} succeeded and ${stepSeries.totals.failed} failed in the ${w.label.toLowerCase()}, per ${w.per}`)

    const types = analytics.steps ?? []

    latency.update(types.map((s) => s.type), [
      { label: 'p50', data: types.map((s) => s.p50Ms ?? 0), colour: palette[0] },
      { label: 'p95', data: types.map((s) => s.p95Ms ?? 0), colour: palette[4] }
    ], types.map((s) => `${s.type}: p50 ${duration(s.p50Ms)}, p95 ${duration(s.p95Ms)}`).join('; ') || 'No steps ran in this window')

    replaceChildren(tables,
      h('section', { class: 'panel', 'aria-labelledby': 'flows-window-heading' }, h('h2', { id: 'flows-window-heading' }, 'Flows'),
        table({
          caption: `Runs started in the ${w.label.toLowerCase()}, per flow`,
          columns: ['Flow', 'Started', 'Completed', 'Failed', 'Exited', 'Completion'],
          rows: (analytics.flows ?? []).map((f) => [
            h('a', { href: href('flows', f.flowId) }, f.name ?? f.flowId),
            String(f.started), String(f.completed), String(f.failed), String(f.exited), `${Math.round(f.completionRate * 100)}%`
          ]),
          empty: 'No runs started in this window.'
        })),
      h('section', { class: 'panel', 'aria-labelledby': 'steps-window-heading' }, h('h2', { id: 'steps-window-heading' }, 'Step attempts'),
        table({
          caption: `Attempts started in the ${w.label.toLowerCase()}, per step type`,
          columns: ['Type', 'Ok', 'Failed', 'p50', 'p95'],
          rows: types.map((s) => [s.type, String(s.ok), String(s.failed), duration(s.p50Ms), duration(s.p95Ms)]),
          empty: 'No steps ran in this window.'
        })))
  }

  windowSelect.addEventListener('change', () => {
    const w = windows[windowSelect.value]
    events.retitle(`Events per ${w.per}`)
    steps.retitle(`Steps per ${w.per}`)
    refresh().catch((error) => { notify(`Could not refresh: ${describeError(error)}`, 'error') })
  })

  return {
    title: 'Overview',
    refresh,
    unmount () {
      unmounted = true
      events.destroy()
      steps.destroy()
      latency.destroy()
    }
  }
}
