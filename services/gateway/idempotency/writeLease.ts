import type { GatewaySettings } from '../settings.js'

/**
 * How long a write holds its shared Idempotency-Key in flight, in milliseconds: the longest a live
 * instance's attempt can take to be sent and answered. An attempt spends up to one upstream timeout
 * in the hooks before it is sent (the journeys record it), waits in the bulkhead's queue while the
 * writes ahead of it run (each up to a look-up and a send, one timeout apiece), then makes its own
 * look-up and send. Past that the instance is gone or cut off from Redis, and its attempt's outcome
 * is unknown. With the defaults (3 s, 128 in flight, 128 queued): 15 s.
 */
export function writeLeaseMs (settings: Pick<GatewaySettings, 'upstreamTimeoutMs' | 'upstreamMaxInflight' | 'upstreamMaxQueue'>): number {
  const { upstreamTimeoutMs, upstreamMaxInflight, upstreamMaxQueue } = settings
  const roundsAhead = Math.ceil(upstreamMaxQueue / upstreamMaxInflight)
  return upstreamTimeoutMs * (1 + 2 * roundsAhead + 2)
}
