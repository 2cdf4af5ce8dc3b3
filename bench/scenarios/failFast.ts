import type { BenchOptions } from '../benchOptions.js'
import { alternate, medianRatio, summarize } from '../compareTargets.js'
import { lightUserId } from '../dataset.js'
import { loadHeader, loadRow } from '../loadRows.js'
import { peerLabel, peerRatio } from '../peerRow.js'
import type { LoadTarget } from '../loadRun.js'
import { checkSameResponse } from '../responseCheck.js'
import { startServer, startServers, stopServers } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatRatio, verdict } from '../table.js'

const target = 0.9
/** Long enough that the breaker cannot half-open during the scenario. */
const breakerBaseMs = 600_000
const tripRequests = 3
const body = JSON.stringify({ name: 'Benchmark write', userId: lightUserId })
const headers = { 'content-type': 'application/json' }

function post (url: string): LoadTarget {
  return { url: `${url}/addEvent`, method: 'POST', body, headers, expectStatus: 503 }
}

async function breakerState (gatewayUrl: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/health`, { signal: AbortSignal.timeout(10_000) })
  const health = await response.json() as { breaker?: { state?: unknown } }
  return String(health.breaker?.state)
}

/** Hands the bare reference one breaker-open answer the gateway really sent, to replay. */
async function primeBare (gatewayUrl: string, bareUrl: string): Promise<void> {
  const response = await fetch(`${gatewayUrl}/addEvent`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) })
  const answer = {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after') ?? '',
    body: await response.text()
  }
  const primed = await fetch(`${bareUrl}/__bench/addEvent`, { method: 'PUT', body: JSON.stringify(answer), headers, signal: AbortSignal.timeout(10_000) })
  if (primed.status !== 204) throw new Error(`priming the bare reference failed with ${primed.status}`)
}

/**
 * Scenario 4: writes while the breaker is open, which must cost about what a bare route answering
 * the same 503 costs. event.com answers 503 (without Retry-After), so three writes trip the
 * breaker (the default threshold), and the ~10 min open period outlasts the scenario.
 */
export async function failFast (options: BenchOptions): Promise<Table> {
  const upstream = await startServer('servers/upstreamServer.ts', { args: ['--mode=unavailable'] })
  const servers = await startServers([
    ['servers/gatewayServer.ts', { args: ['--size=1000', `--upstream=${upstream.url}`, `--breaker-base-ms=${breakerBaseMs}`] }],
    ['servers/bareServer.ts', { args: ['--size=1000'] }],
    ['servers/peerServer.ts', { args: ['--size=1000', `--upstream=${upstream.url}`, `--open-ms=${breakerBaseMs}`] }]
  ]).catch(async (error: unknown) => { await upstream.stop(); throw error })
  const [gateway, bare, peer] = servers
  try {
    if (gateway === undefined || bare === undefined || peer === undefined) throw new Error('fail-fast servers did not start')
    for (const subject of [gateway, peer]) {
      for (let trip = 0; trip < tripRequests; trip++) {
        const response = await fetch(`${subject.url}/addEvent`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) })
        await response.arrayBuffer()
      }
    }
    const stateBefore = await breakerState(gateway.url)
    if (stateBefore !== 'open') throw new Error(`the breaker is ${stateBefore} after ${tripRequests} failed writes, not open`)
    const peerBefore = await breakerState(peer.url)
    if (peerBefore !== 'open') throw new Error(`the peer's breaker is ${peerBefore} after ${tripRequests} failed writes, not open`)
    const peerAnswer = await fetch(`${peer.url}/addEvent`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) })
    const peerBytes = Buffer.byteLength(await peerAnswer.text())
    if (peerAnswer.status !== 503) throw new Error(`the peer answered ${peerAnswer.status} with its breaker open, not 503`)
    await primeBare(gateway.url, bare.url)
    // Each problem body carries its own request id (same length), so only the length can match.
    const check = await checkSameResponse(`${gateway.url}/addEvent`, `${bare.url}/addEvent`, { method: 'POST', body, headers }, 'length')

    const [ours, reference, peerRuns] = await alternate([
      { label: 'gateway, breaker open', target: post(gateway.url), pids: [gateway.pid] },
      { label: 'bare Fastify, same 503 bytes', target: post(bare.url), pids: [bare.pid] },
      { label: `${peerLabel}, breaker open`, target: post(peer.url), pids: [peer.pid] }
    ], options.peerCompare)
    if (ours === undefined || reference === undefined || peerRuns === undefined) throw new Error('a fail-fast arm did not run')
    const stateAfter = await breakerState(gateway.url)
    const ratio = medianRatio(ours, reference)
    const caseLabel = 'POST /addEvent, breaker open'
    return {
      title: '4. Fail-fast while the breaker is open: POST /addEvent answered 503 without calling event.com',
      header: loadHeader,
      rows: [
        loadRow(caseLabel, summarize(ours), formatRatio(ratio), `≥ ${target} × bare`, verdict(ratio >= target)),
        loadRow(caseLabel, summarize(reference), '1.00 (reference)'),
        loadRow(caseLabel, summarize(peerRuns), peerRatio(peerRuns, reference, ours))
      ],
      notes: [
        `response: 503, ${check.bytes} B problem+json with Retry-After (the bare reference replays one the gateway sent); breaker tripped by ${tripRequests} writes answered 503 by event.com; still ${stateAfter} after the runs.`,
        `peer: servers/peerServer.ts, the seed design as a user would build it; its breaker is checked in the handler, after the body is parsed and validated, and its 503 is its own ${peerBytes} B JSON body with Retry-After; CPU per request: each server's user and system time (from /proc, the run and its tail) per response, the peer's over the gateway's, median over rounds.`,
        ...check.mismatch === undefined ? [] : [check.mismatch]
      ]
    }
  } finally {
    await stopServers([...servers, upstream])
  }
}
