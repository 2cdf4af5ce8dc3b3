import type { BenchOptions } from '../benchOptions.js'
import { loadCpu, startServer, stopServers } from '../serverProcess.js'
import { sizeLabel } from '../sizeLabel.js'
import type { Table } from '../table.js'
import { formatMs, verdict } from '../table.js'

const targetMs = 10_000
const targetDelayMs = 100
const pollEveryMs = 20
const deadlineMs = 60_000

interface Polls { answered: number, failed: number, slowestMs: number }

/** Polls /health until told to stop, one request at a time: what an orchestrator's probe would see. */
async function pollHealth (url: string, done: () => boolean): Promise<Polls> {
  const polls: Polls = { answered: 0, failed: 0, slowestMs: 0 }
  while (!done()) {
    const start = performance.now()
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) })
      await response.arrayBuffer()
      if (response.status === 200) polls.answered++
      else polls.failed++
    } catch {
      polls.failed++
    }
    polls.slowestMs = Math.max(polls.slowestMs, performance.now() - start)
    await new Promise((resolve) => setTimeout(resolve, pollEveryMs))
  }
  return polls
}

/** Scenario 7: hydrating the large store over HTTP from a local event.com, with /health polled throughout. */
export async function hydration (options: BenchOptions): Promise<Table> {
  // event.com gets the other CPU: its serving cost must not land on the gateway's core.
  const upstream = await startServer('servers/upstreamServer.ts', { args: ['--mode=events', `--size=${options.largeSize}`], cpu: loadCpu, startTimeoutMs: 180_000 })
  try {
    const gateway = await startServer('servers/hydrationServer.ts', { args: [`--upstream=${upstream.url}`, `--deadline-ms=${deadlineMs}`] })
    try {
      let finished = false
      const polling = pollHealth(gateway.url, () => finished)
      const report = await gateway.nextMessage(deadlineMs + 30_000).finally(() => { finished = true })
      const polls = await polling
      const number = (key: string): number => typeof report[key] === 'number' ? report[key] : Number.NaN
      const hydrated = report.outcome === 'hydrated'
      return {
        title: `7. Hydration of ${sizeLabel(options.largeSize)} events from event.com's GET /getEvents, /health polled meanwhile`,
        header: ['measure', 'value', 'target', 'result'],
        rows: [
          ['listen → store hydrated', hydrated ? `${formatMs(number('hydrateMs'))} ms` : `not within ${deadlineMs} ms`, `≤ ${targetMs} ms`, verdict(hydrated && number('hydrateMs') <= targetMs)],
          ['event-loop delay, max', `${formatMs(number('delayMaxMs'))} ms`, `≤ ${targetDelayMs} ms`, verdict(number('delayMaxMs') <= targetDelayMs)],
          ['event-loop delay, p99', `${formatMs(number('delayP99Ms'))} ms`, '—', '—'],
          ['/health polls answered 200 (every ~20 ms)', `${polls.answered} of ${polls.answered + polls.failed}`, '—', '—'],
          ['/health slowest answer', `${formatMs(polls.slowestMs)} ms`, '—', '—'],
          ['failed hydration attempts', String(number('failures')), '—', '—'],
          ['events stored', number('events').toLocaleString('en-US'), '—', '—']
        ],
        notes: [
          'Measured inside the gateway process (perf_hooks.monitorEventLoopDelay, 10 ms resolution) from just before listen() to the hydrated promise; ' +
          'production settings (UPSTREAM_TIMEOUT_MS 3000). event.com serves a body built once, from CPU 1.'
        ]
      }
    } finally {
      await gateway.stop()
    }
  } finally {
    await stopServers([upstream])
  }
}
