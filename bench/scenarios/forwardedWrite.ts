import type { BenchOptions } from '../benchOptions.js'
import { alternate, medianRatio, summarize } from '../compareTargets.js'
import { lightUserId } from '../dataset.js'
import { loadHeader, loadRow } from '../loadRows.js'
import type { LoadTarget } from '../loadRun.js'
import { startServer, startServers, stopServers } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatRatio, verdict } from '../table.js'

const target = 0.9
const body = JSON.stringify({ name: 'Benchmark write', userId: lightUserId })

function post (url: string, expectStatus: number): LoadTarget {
  return { url: `${url}/addEvent`, method: 'POST', body, headers: { 'content-type': 'application/json' }, expectStatus }
}

/**
 * Scenario 3: POST /addEvent through the gateway to a local event.com that always accepts, against
 * the least a Fastify route can do to forward (undici Pool.request), and against event.com itself.
 * event.com shares the server CPU with whichever forwarder is measured, and has it alone when hit directly.
 */
export async function forwardedWrite (options: BenchOptions): Promise<Table> {
  const upstream = await startServer('servers/upstreamServer.ts', { args: ['--mode=ok'] })
  const servers = await startServers([
    ['servers/gatewayServer.ts', { args: ['--size=1000', `--upstream=${upstream.url}`] }],
    ['servers/forwarderServer.ts', { args: [`--upstream=${upstream.url}`] }]
  ]).catch(async (error: unknown) => { await upstream.stop(); throw error })
  const [gateway, forwarder] = servers
  try {
    if (gateway === undefined || forwarder === undefined) throw new Error('write servers did not start')
    const [ours, minimal, direct] = await alternate([
      { label: 'gateway', target: post(gateway.url, 201), pids: [gateway.pid, upstream.pid] },
      { label: 'minimal undici forwarder', target: post(forwarder.url, 201), pids: [forwarder.pid, upstream.pid] },
      { label: 'event.com stand-in, hit directly', target: post(upstream.url, 200), pids: [upstream.pid] }
    ], options.compare)
    if (ours === undefined || minimal === undefined || direct === undefined) throw new Error('a write arm did not run')
    const ratio = medianRatio(ours, minimal)
    const caseLabel = 'POST /addEvent, upstream 200'
    return {
      title: '3. Forwarded write: POST /addEvent to a local event.com (node:http, 200 {"success":true})',
      header: loadHeader,
      rows: [
        loadRow(caseLabel, summarize(ours), `${formatRatio(ratio)} (÷ forwarder), ${formatRatio(medianRatio(ours, direct))} (÷ direct)`,
          `≥ ${target} × forwarder`, verdict(ratio >= target)),
        loadRow(caseLabel, summarize(minimal), `1.00 (reference), ${formatRatio(medianRatio(minimal, direct))} (÷ direct)`),
        loadRow(caseLabel, summarize(direct), '1.00 (reference)')
      ],
      notes: [
        'event.com and the server under test share CPU 0; the load generator has CPU 1.',
        'Every accepted write is also appended to the gateway\'s store, as in production.'
      ]
    }
  } finally {
    await stopServers([...servers, upstream])
  }
}
