import type { ArmRuns } from './compareTargets.js'
import { medianCpuRatio, medianRatio } from './compareTargets.js'
import { formatRatio } from './table.js'

/** The peer's row: what a user would build (servers/peerServer.ts); the gateway must be ahead of it. */
export const peerLabel = 'peer: Fastify, Map index, hand-rolled breaker, @fastify/rate-limit defaults'

/**
 * The peer's ratio to the reference, then the gateway's to the peer in req/s, then the peer's CPU
 * time per request over the gateway's (above 1 in both: the gateway is ahead).
 */
export function peerRatio (peer: ArmRuns, reference: ArmRuns, gateway: ArmRuns): string {
  return `${formatRatio(medianRatio(peer, reference))}; gateway ÷ peer ${formatRatio(medianRatio(gateway, peer))}; CPU per request, peer ÷ gateway ${formatRatio(medianCpuRatio(gateway, peer))}`
}
