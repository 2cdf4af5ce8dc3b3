import type { BenchOptions } from '../benchOptions.js'
import { summarize } from '../compareTargets.js'
import { runLoad } from '../loadRun.js'
import { loadRow } from '../loadRows.js'
import { startServer, stopServers } from '../serverProcess.js'
import { heavyUserId, lightUserEvents, lightUserId } from '../dataset.js'

const eventDelayMs = 500

/**
 * The original challenge's read path: one upstream call per event, 500 ms each. A read of the light
 * user takes ~5 s whatever the store size, so only a few reads run, all at once, and the point is
 * their latency; the heavy user's read (1000 × 500 ms) is estimated, not run.
 */
export async function originalDesignRows (options: BenchOptions): Promise<string[][]> {
  const upstream = await startServer('servers/upstreamServer.ts', { args: ['--mode=original', `--event-delay-ms=${eventDelayMs}`] })
  const proxy = await startServer('servers/originalDesignServer.ts', { args: [`--upstream=${upstream.url}`] })
    .catch(async (error: unknown) => { await upstream.stop(); throw error })
  try {
    const requests = options.originalDesignRequests
    const result = await runLoad(
      { url: `${proxy.url}/getEventsByUserId/${lightUserId}`, expectStatus: 200 },
      // As many connections as requests: each read waits on the upstream, not on the CPU.
      { connections: requests, durationSec: 60, maxRequests: requests, timeoutSec: 30 }
    )
    const label = `original design: 1 upstream call per event, ${eventDelayMs} ms each`
    const summary = summarize({ label, runs: [result] })
    return [
      loadRow(`${lightUserEvents} events, any store size (${requests} reads)`, summary, 'latency-bound'),
      [`1000 events (${heavyUserId}), any store size`, label, 'not run', `≈ ${(1000 * eventDelayMs / 1000).toLocaleString('en-US')} s (estimate)`, '—', '—', 'latency-bound', '—', '—']
    ]
  } finally {
    await stopServers([proxy, upstream])
  }
}
