import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { defaultMaxConnections, openFileLimit } from '../../services/http/connections.js'
import type { BenchOptions } from '../benchOptions.js'
import { summarize } from '../compareTargets.js'
import type { ArmRuns } from '../compareTargets.js'
import { lightUserId } from '../dataset.js'
import { loadHeader, loadRow } from '../loadRows.js'
import { runLoad } from '../loadRun.js'
import type { LoadResult, LoadTarget } from '../loadRun.js'
import { median } from '../median.js'
import { waitUntilIdle } from '../processIdle.js'
import { startServer } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatMs, formatRatio, verdict } from '../table.js'

const idleSockets = 10_000
const target = 0.9

/** Opens `count` connections that never send a byte, a batch at a time. */
async function openIdle (url: string, count: number): Promise<Socket[]> {
  const { hostname, port } = new URL(url)
  const sockets: Socket[] = []
  for (let opened = 0; opened < count; opened += 500) {
    const batch = Array.from({ length: Math.min(500, count - opened) }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect(Number(port), hostname)
      socket.once('connect', () => { resolve(socket) }).once('error', reject)
      // The gateway closes them after its headers timeout; that is not an error here. Read what it
      // sends, so that its close is seen.
      socket.on('error', () => undefined).resume()
    }))
    sockets.push(...await Promise.all(batch))
  }
  return sockets
}

async function openConnections (url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })
  const line = (await response.text()).split('\n').find((text) => text.startsWith('http_connections_open '))
  return Number(line?.split(' ')[1])
}

/** GET /health on a fresh connection, in milliseconds. */
async function healthMs (url: string): Promise<number> {
  const start = performance.now()
  const response = await fetch(`${url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) })
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`/health answered ${response.status}`)
  return performance.now() - start
}

/**
 * Scenario 9: the gateway with 10,000 connections held open that never send a byte. Reads and
 * /health must go on as if they were not there; the headers timeout then closes every one of them.
 * Each round reads without the idle connections, then opens them and reads again, before the
 * headers timeout (10 s by default) can close them.
 */
export async function idleConnections (options: BenchOptions): Promise<Table> {
  const gateway = await startServer('servers/gatewayServer.ts', { args: ['--size=1000'] })
  const read: LoadTarget = { url: `${gateway.url}/getEventsByUserId/${lightUserId}`, expectStatus: 200 }
  const idle: LoadResult[] = []
  const quiet: LoadResult[] = []
  const health: number[] = []
  let heldOpen = 0
  let leftAfterTimeout = Number.NaN
  try {
    await runLoad(read, { ...options.compare.load, durationSec: options.compare.warmupSec, connections: options.compare.warmupConnections })
    for (let round = 0; round < options.compare.rounds; round++) {
      await waitUntilIdle([gateway.pid])
      quiet.push(await runLoad(read, options.compare.load))
      const sockets = await openIdle(gateway.url, idleSockets)
      heldOpen = Math.max(heldOpen, await openConnections(gateway.url) - 1)
      idle.push(await runLoad(read, options.compare.load))
      for (let probe = 0; probe < 5; probe++) health.push(await healthMs(gateway.url))
      const last = round === options.compare.rounds - 1
      if (last) {
        // Left to the headers timeout: 10 s by default, checked every second.
        await Promise.all(sockets.map((socket) => new Promise((resolve) => { if (socket.closed) resolve(undefined); else socket.once('close', resolve) })))
        leftAfterTimeout = await openConnections(gateway.url) - 1
      } else {
        for (const socket of sockets) socket.destroy()
      }
    }
  } finally {
    await gateway.stop()
  }
  const withIdle: ArmRuns = { label: `gateway, ${idleSockets.toLocaleString('en-US')} idle connections open`, runs: idle }
  const without: ArmRuns = { label: 'gateway, no idle connection', runs: quiet }
  const ratio = median(idle.map((run, index) => run.requestsPerSec / (quiet[index]?.requestsPerSec ?? Number.NaN)))
  const caseLabel = `GET /getEventsByUserId/${lightUserId} (10 events)`
  return {
    title: '9. Idle connections: 10,000 sockets held open that never send a byte',
    header: loadHeader,
    rows: [
      loadRow(caseLabel, summarize(withIdle), formatRatio(ratio), `≥ ${target} × without`, verdict(ratio >= target && summarize(withIdle).errors === 0)),
      loadRow(caseLabel, summarize(without), '1.00 (reference)'),
      ['GET /health on a fresh connection meanwhile', withIdle.label, '—', formatMs(median(health)), formatMs(Math.max(...health)), '0', '—', 'answers', verdict(health.length > 0)],
      ['idle connections the gateway counted open', withIdle.label, String(heldOpen), '—', '—', '—', '—', `${idleSockets}`, verdict(heldOpen >= idleSockets)],
      ['idle connections left once the headers timeout passed', 'gateway, HEADERS_TIMEOUT_MS 10 s', String(leftAfterTimeout), '—', '—', '—', '—', '0', verdict(leftAfterTimeout === 0)]
    ],
    notes: [
      `Default settings: MAX_CONNECTIONS sized from the open-file limit (${String(openFileLimit() ?? 'unknown')} here → ${defaultMaxConnections().toLocaleString('en-US')}), HEADERS_TIMEOUT_MS 10 s. The idle sockets come from the bench process; the reads from the load generator (100 connections).`,
      'Before the fix, 10,000 idle sockets took the process to its descriptor limit and every read failed with ECONNRESET until they left, about 90 s later.'
    ]
  }
}
