import type { BenchOptions } from '../benchOptions.js'
import { alternate, medianRatio, summarize } from '../compareTargets.js'
import type { ArmRuns } from '../compareTargets.js'
import { heavyUserEvents, heavyUserId, lightUserEvents, lightUserId } from '../dataset.js'
import { loadHeader, loadRow } from '../loadRows.js'
import { peerLabel, peerRatio } from '../peerRow.js'
import { checkSameResponse } from '../responseCheck.js'
import type { ServerProcess } from '../serverProcess.js'
import { startServers, stopServers } from '../serverProcess.js'
import { sizeLabel } from '../sizeLabel.js'
import type { Table } from '../table.js'
import { formatRatio, formatRate, verdict } from '../table.js'
import { originalDesignRows } from './originalDesign.js'

const readTarget = 0.9
const growthTarget = 0.95

interface Measured { readonly gateway: ArmRuns, readonly ratio: number }

/**
 * Scenarios 1 and 2. Per store size, one process each for the gateway, the seed design, the peer
 * and the bare reference, each seeded once; /getEvents runs against the same processes at the large size.
 * Every arm reads the same URL over and over, so a page cache in the gateway is always hot.
 */
export async function readScenarios (options: BenchOptions): Promise<Table[]> {
  const rows: string[][] = []
  const notes: string[] = []
  const measured = new Map<string, Measured>()
  const originalDesign: string[][] = []
  let pageTable: Table | undefined

  for (const size of options.readSizes) {
    const args = [`--size=${size}`]
    const [servers, originalRows] = await Promise.all([
      startServers([
        ['servers/gatewayServer.ts', { args }],
        ['servers/seedDesignServer.ts', { args }],
        ['servers/bareServer.ts', { args }],
        ['servers/peerServer.ts', { args }]
      ]),
      // The original design spends its ~5 s waiting on timers, not on CPU: it overlaps the seeding
      // of the large stores, which measures nothing, rather than adding its own seconds.
      size === options.largeSize
        ? originalDesignRows(options).catch((error: unknown) => [['10 events', 'original design', `could not be measured: ${String(error)}`, ...loadHeader.slice(3).map(() => '—')]])
        : Promise.resolve([])
    ])
    originalDesign.push(...originalRows)
    const [gateway, seed, bare, peer] = servers
    try {
      if (gateway === undefined || seed === undefined || bare === undefined || peer === undefined) throw new Error('read servers did not start')
      const heavy = options.heavyUserAtEverySize || size === options.largeSize
      for (const [userId, events] of [[lightUserId, lightUserEvents], ...heavy ? [[heavyUserId, heavyUserEvents(size)] as const] : []] as const) {
        const path = `/getEventsByUserId/${userId}`
        const caseLabel = `${events} events, store ${sizeLabel(size)}`
        for (const subject of [gateway, peer, seed]) {
          const check = await checkSameResponse(subject.url + path, bare.url + path)
          if (check.mismatch !== undefined) notes.push(`${caseLabel}: ${check.mismatch}`)
        }
        const [ours, reference, indexed, filtering] = await alternate([
          { label: 'gateway', target: { url: gateway.url + path, expectStatus: 200 }, pids: [gateway.pid] },
          { label: 'bare Fastify, same bytes', target: { url: bare.url + path, expectStatus: 200 }, pids: [bare.pid] },
          { label: peerLabel, target: { url: peer.url + path, expectStatus: 200 }, pids: [peer.pid] },
          { label: 'seed design (O(n) filter per read)', target: { url: seed.url + path, expectStatus: 200 }, pids: [seed.pid] }
        ], options.peerCompare)
        if (ours === undefined || reference === undefined || indexed === undefined || filtering === undefined) throw new Error('a read arm did not run')
        const ratio = medianRatio(ours, reference)
        measured.set(`${userId}@${size}`, { gateway: ours, ratio })
        const targeted = userId === lightUserId && size === options.largeSize
        rows.push(
          loadRow(caseLabel, summarize(ours), formatRatio(ratio), targeted ? `≥ ${readTarget} × bare` : '—', targeted ? verdict(ratio >= readTarget) : '—'),
          loadRow(caseLabel, summarize(indexed), peerRatio(indexed, reference, ours)),
          loadRow(caseLabel, summarize(filtering), formatRatio(medianRatio(filtering, reference))),
          loadRow(caseLabel, summarize(reference), '1.00 (reference)')
        )
      }
      if (size === options.largeSize) pageTable = await pageScenario(gateway, bare, options)
    } finally {
      await stopServers(servers)
    }
  }

  const perUser: Table = {
    title: '1. Per-user read: GET /getEventsByUserId/:id (default limit 1000)',
    header: loadHeader,
    rows: [...rows, ...originalDesign],
    notes: [
      'ratio: median over rounds of (row req/s ÷ bare Fastify req/s), each pair measured in the same round; gateway ÷ peer likewise, from the same rounds; CPU per request: each server\'s user and system time (from /proc, the run and its tail) per response, the peer\'s over the gateway\'s, median over the same rounds.',
      'peer: servers/peerServer.ts, the seed design as a user would build it (events indexed by user in a Map, @fastify/rate-limit at its defaults but for a max out of reach, a breaker of its own on the write).',
      options.heavyUserAtEverySize
        ? `At 1e3 events the heavy user holds ${heavyUserEvents(1e3)} events (the light user holds the other ${lightUserEvents}).`
        : `Quick mode reads the heavy user only at ${sizeLabel(options.largeSize)}.`,
      ...notes
    ]
  }
  return [perUser, growthTable(measured, options), ...pageTable === undefined ? [] : [pageTable]]
}

function growthTable (measured: ReadonlyMap<string, Measured>, options: BenchOptions): Table {
  const smallest = options.readSizes[0] ?? 0
  const largest = options.readSizes.at(-1) ?? 0
  const rows = [lightUserId, heavyUserId].flatMap((userId) => {
    const small = measured.get(`${userId}@${smallest}`)
    const large = measured.get(`${userId}@${largest}`)
    if (small === undefined || large === undefined) return []
    const rpsSmall = summarize(small.gateway).requestsPerSec
    const rpsLarge = summarize(large.gateway).requestsPerSec
    const normalized = large.ratio / small.ratio
    const targeted = userId === lightUserId
    return [[
      userId === lightUserId ? `${lightUserEvents} events` : '1000 events',
      formatRate(rpsSmall), formatRate(rpsLarge), formatRatio(rpsLarge / rpsSmall),
      formatRatio(small.ratio), formatRatio(large.ratio), formatRatio(normalized),
      targeted ? `≥ ${growthTarget}` : '—', targeted ? verdict(normalized >= growthTarget) : '—'
    ]]
  })
  return {
    title: `1b. Per-user read growth: gateway at ${sizeLabel(largest)} vs ${sizeLabel(smallest)} stored events`,
    header: ['user', `req/s @${sizeLabel(smallest)}`, `req/s @${sizeLabel(largest)}`, 'raw growth',
      `ratio vs bare @${sizeLabel(smallest)}`, `ratio vs bare @${sizeLabel(largest)}`, 'growth (vs bare)', 'target', 'result'],
    rows,
    notes: [
      'growth (vs bare) = ratio vs bare at the large size ÷ ratio vs bare at the small size. The target is judged on it: the two sizes run in different ' +
      'processes minutes apart, and on this shared machine raw req/s drifts by more than the 5% being judged, while the bare reference drifts with it.'
    ]
  }
}

async function pageScenario (gateway: ServerProcess, bare: ServerProcess, options: BenchOptions): Promise<Table> {
  const path = '/getEvents?limit=1000'
  const check = await checkSameResponse(gateway.url + path, bare.url + path)
  const [ours, reference] = await alternate([
    { label: 'gateway', target: { url: gateway.url + path, expectStatus: 200 }, pids: [gateway.pid] },
    { label: 'bare Fastify, same bytes', target: { url: bare.url + path, expectStatus: 200 }, pids: [bare.pid] }
  ], options.compare)
  if (ours === undefined || reference === undefined) throw new Error('a page arm did not run')
  const ratio = medianRatio(ours, reference)
  const caseLabel = `first page, store ${sizeLabel(options.largeSize)}`
  return {
    title: `2. GET /getEvents?limit=1000 at ${sizeLabel(options.largeSize)} events`,
    header: loadHeader,
    rows: [
      loadRow(caseLabel, summarize(ours), formatRatio(ratio), `≥ ${readTarget} × bare`, verdict(ratio >= readTarget)),
      loadRow(caseLabel, summarize(reference), '1.00 (reference)')
    ],
    notes: [`response: ${check.bytes.toLocaleString('en-US')} B plus a Link header`, ...check.mismatch === undefined ? [] : [check.mismatch]]
  }
}
