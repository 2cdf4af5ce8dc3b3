import autocannon from 'autocannon'
import type { Result } from 'autocannon'
import type { LoadReply, LoadRequest, LoadResult } from './loadRun.js'

/**
 * The load generator's own process, kept for the whole suite and pinned to its own CPU: a run
 * never shares an event loop with a server, and no run pays for starting node and autocannon.
 * Speaks LoadRequest/LoadReply over the IPC channel; exits when the runner goes away.
 */
function toLoadResult (result: Result, expectStatus: number): LoadResult {
  const responses = result.requests.total
  const expected = result.statusCodeStats?.[`${expectStatus}`]?.count ?? 0
  return {
    requestsPerSec: responses / Math.max(result.duration, 0.001),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    unexpected: responses - expected,
    responses
  }
}

async function run ({ target, settings }: LoadRequest): Promise<LoadResult> {
  const result = await autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    ...target.headers === undefined ? {} : { headers: { ...target.headers } },
    ...target.body === undefined ? {} : { body: target.body },
    ...target.uniqueIds === true && { idReplacement: true },
    connections: settings.connections,
    duration: settings.durationSec,
    maxOverallRequests: settings.maxRequests,
    timeout: settings.timeoutSec,
    // autocannon only stops on a sample tick (default every 1000 ms), which would round every run up to whole seconds.
    sampleInt: 100
  })
  return toLoadResult(result, target.expectStatus)
}

const send = (reply: LoadReply): void => { process.send?.(reply) }
process.on('message', (request: LoadRequest) => {
  run(request).then(
    (result) => { send({ id: request.id, result }) },
    (error: unknown) => { send({ id: request.id, error: error instanceof Error ? error.message : String(error) }) }
  )
})
process.on('disconnect', () => { process.exit(0) })
