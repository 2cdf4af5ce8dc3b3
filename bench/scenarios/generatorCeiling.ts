import type { BenchOptions } from '../benchOptions.js'
import { alternate, summarize } from '../compareTargets.js'
import { loadHeader, loadRow } from '../loadRows.js'
import { startServer } from '../serverProcess.js'
import type { Table } from '../table.js'

/**
 * Scenario 0, a calibration: autocannon on its one CPU against the cheapest possible server (raw
 * node:http, 11-byte body). No ratio below can be trusted where the reference is near this rate:
 * the generator, not the server, would be what was measured.
 */
export async function generatorCeiling (options: BenchOptions): Promise<Table> {
  const server = await startServer('servers/upstreamServer.ts', { args: ['--mode=ok'] })
  try {
    // The generator's own code is still cold when the suite starts: warm it up at full load first.
    const plan = { ...options.compare, warmupSec: 1, warmupConnections: options.compare.load.connections }
    const [raw] = await alternate([{ label: 'raw node:http', target: { url: `${server.url}/ping`, expectStatus: 200 }, pids: [server.pid] }], plan)
    if (raw === undefined) throw new Error('the calibration run did not run')
    return {
      title: '0. Load generator ceiling (calibration)',
      header: loadHeader,
      rows: [loadRow('GET /ping, 11 B', summarize(raw), '—')],
      notes: [`Median of ${plan.rounds} run(s) after a 1 s warm-up. Ratios whose reference runs close to this rate are compressed towards 1.`]
    }
  } finally {
    await server.stop()
  }
}
