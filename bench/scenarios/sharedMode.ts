import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { Pool } from 'undici'
import type { BenchOptions } from '../benchOptions.js'
import { alternate, medianRatio, summarize } from '../compareTargets.js'
import { lightUserId } from '../dataset.js'
import { loadHeader, loadRow } from '../loadRows.js'
import { percentile } from '../percentile.js'
import { checkSameResponse } from '../responseCheck.js'
import { startServer, startServers, stopServers } from '../serverProcess.js'
import type { Table } from '../table.js'
import { formatMs, formatRatio, verdict } from '../table.js'

const readTarget = 0.8
const size = 1000
/** Write-then-read pairs measured for the read-your-writes latency, per arm. */
const pairs = 400
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const writeBody = JSON.stringify({ name: 'Benchmark write', userId: lightUserId })
/** The write arms' user: not the light one, whose list the read-your-writes pairs read in one page. */
const loadWriteBody = JSON.stringify({ name: 'Benchmark write', userId: 'f0' })

interface Latencies { readonly p50: number, readonly p99: number, readonly missing: number }

/**
 * `pairs` times: a write on `writer`, then at once a read of the same user on `reader`, timing the
 * read; `writeFirst: false` times the read alone. `missing` counts reads that did not show the write.
 */
async function readLatency (writer: Pool, reader: Pool, writeFirst: boolean): Promise<Latencies> {
  const times: number[] = []
  let missing = 0
  for (let index = 0; index < pairs; index++) {
    let id: string | undefined
    if (writeFirst) {
      const written = await writer.request({ method: 'POST', path: '/addEvent', headers: { 'content-type': 'application/json' }, body: writeBody })
      const body = await written.body.json() as { id?: string }
      if (written.statusCode !== 201 || body.id === undefined) throw new Error(`a write answered ${written.statusCode}`)
      id = body.id
    }
    const started = performance.now()
    const read = await reader.request({ method: 'GET', path: `/getEventsByUserId/${lightUserId}?limit=1000` })
    const text = await read.body.text()
    times.push(performance.now() - started)
    if (read.statusCode !== 200) throw new Error(`a read answered ${read.statusCode}`)
    if (id !== undefined && !text.includes(`"id":${JSON.stringify(id)}`)) missing++
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), missing }
}

async function deletePrefix (prefix: string): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
  } finally {
    client.disconnect()
  }
}

/**
 * Scenario 11: one instance in shared mode (its store fed by Redis, REDIS_URL set) against the
 * in-memory store, serving the same bytes; the latency read-your-writes adds to a read on one
 * instance right after a write on another; and the forwarded write in shared mode against single mode.
 */
export async function sharedMode (options: BenchOptions): Promise<Table[]> {
  const prefix = `bench:${randomBytes(4).toString('hex')}:`
  const upstream = await startServer('servers/upstreamServer.ts', { args: ['--mode=events', `--size=${size}`] })
  const shared = ['--redis', redisUrl, '--prefix', prefix, `--upstream=${upstream.url}`]
  const servers = await startServers([
    ['servers/gatewayServer.ts', { args: [`--size=${size}`, `--upstream=${upstream.url}`] }],
    ['servers/gatewayServer.ts', { args: shared }]
  ]).catch(async (error: unknown) => { await upstream.stop(); throw error })
  // The second shared instance starts once the first has put the store in Redis, as a follower.
  const follower = await startServer('servers/gatewayServer.ts', { args: shared, cpu: null }).catch(async (error: unknown) => { await stopServers([...servers, upstream]); throw error })
  const all = [...servers, follower, upstream]
  const [single, leader] = servers
  try {
    if (single === undefined || leader === undefined) throw new Error('shared-mode servers did not start')
    const path = `/getEventsByUserId/${lightUserId}`
    const notes: string[] = []
    const check = await checkSameResponse(leader.url + path, single.url + path)
    if (check.mismatch !== undefined) notes.push(`shared mode vs in-memory: ${check.mismatch}`)

    const [sharedReads, memoryReads] = await alternate([
      { label: 'gateway, shared mode', target: { url: leader.url + path, expectStatus: 200 }, pids: [leader.pid] },
      { label: 'gateway, in-memory store', target: { url: single.url + path, expectStatus: 200 }, pids: [single.pid] }
    ], options.compare)
    if (sharedReads === undefined || memoryReads === undefined) throw new Error('a read arm did not run')
    const readRatio = medianRatio(sharedReads, memoryReads)
    const readCase = `${path}, 10 events`
    const reads: Table = {
      title: '11a. Shared mode: per-user read on one instance, shared store against the in-memory one (same bytes)',
      header: loadHeader,
      rows: [
        loadRow(readCase, summarize(sharedReads), formatRatio(readRatio), `≥ ${readTarget} × in-memory`, verdict(readRatio >= readTarget)),
        loadRow(readCase, summarize(memoryReads), '1.00 (reference)')
      ],
      notes: [...notes, `Redis at ${new URL(redisUrl).host}, on this machine: each read checks the stream position, one check shared by the reads that arrive while it is out.`]
    }

    const [sharedWrites, singleWrites] = await alternate([
      { label: 'gateway, shared mode', target: { url: `${leader.url}/addEvent`, method: 'POST', body: loadWriteBody, headers: { 'content-type': 'application/json' }, expectStatus: 201 }, pids: [leader.pid, upstream.pid] },
      { label: 'gateway, single mode', target: { url: `${single.url}/addEvent`, method: 'POST', body: loadWriteBody, headers: { 'content-type': 'application/json' }, expectStatus: 201 }, pids: [single.pid, upstream.pid] }
    ], options.compare)
    if (sharedWrites === undefined || singleWrites === undefined) throw new Error('a write arm did not run')
    const writeRatio = medianRatio(sharedWrites, singleWrites)
    const writes: Table = {
      title: '11b. Shared mode: forwarded write (POST /addEvent, no Idempotency-Key) against single mode',
      header: loadHeader,
      rows: [
        loadRow('POST /addEvent, upstream 200', summarize(sharedWrites), formatRatio(writeRatio)),
        loadRow('POST /addEvent, upstream 200', summarize(singleWrites), '1.00 (reference)')
      ],
      notes: ['In shared mode every accepted write is also appended to the Redis stream the other instances read.']
    }

    const a = new Pool(leader.url, { connections: 1 })
    const b = new Pool(follower.url, { connections: 1 })
    try {
      const alone = await readLatency(a, b, false)
      const afterWrite = await readLatency(a, b, true)
      const sameInstance = await readLatency(a, a, true)
      const latency: Table = {
        title: `11c. Read-your-writes: a read on instance B right after a write on instance A (${pairs} pairs, one at a time)`,
        header: ['read', 'p50 ms', 'p99 ms', 'extra p50 ms', 'extra p99 ms', 'reads missing the write'],
        rows: [
          ['on B, no write before it', formatMs(alone.p50), formatMs(alone.p99), '—', '—', '—'],
          ['on B, right after a write on A', formatMs(afterWrite.p50), formatMs(afterWrite.p99), formatMs(afterWrite.p50 - alone.p50), formatMs(afterWrite.p99 - alone.p99), String(afterWrite.missing)],
          ['on A, right after a write on A', formatMs(sameInstance.p50), formatMs(sameInstance.p99), formatMs(sameInstance.p50 - alone.p50), formatMs(sameInstance.p99 - alone.p99), String(sameInstance.missing)]
        ],
        notes: ['The extra is the wait for B\'s stream tail to reach the position the read found; the user\'s list grows by one event per pair.']
      }
      return [reads, writes, latency]
    } finally {
      await a.close()
      await b.close()
    }
  } finally {
    await stopServers(all)
    await deletePrefix(prefix).catch(() => undefined)
  }
}
