import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alternate, medianCpuMicros, medianCpuRatio, medianRatio, summarize } from './compareTargets.js'
import type { Arm } from './compareTargets.js'
import { lightUserId } from './dataset.js'
import { stopLoadGenerator } from './loadRun.js'
import { peerLabel } from './peerRow.js'
import { killAllServers, repoRoot, startServer, stopServers } from './serverProcess.js'
import type { ServerProcess } from './serverProcess.js'
import { formatMicros, formatRate, formatRatio, renderTable } from './table.js'

/**
 * `npx tsx bench/compareRevisions.ts <rev> [<rev>…] [--rounds N] [--seconds S] [--size N]`: the
 * gateway of each revision (a commit, or `.` for the working tree) over N stored events (1000 by
 * default), side by side with the peer, on the 10-event per-user read and on fail-fast (POST
 * /addEvent with the breaker open), in one run: one gateway process per revision, each from its
 * own `git archive` with this tree's node_modules, all on the server CPU, the arms interleaved
 * round by round (N rounds of S seconds, 5 of 2.5 by default) as in `npm run bench`. Each row's
 * ratios are medians over rounds of the pair ratios, against the first revision and the peer, in
 * req/s and in the server's CPU time per request (from /proc: less at the mercy of the scheduler).
 */
const usage = 'usage: npx tsx bench/compareRevisions.ts <rev> [<rev>…] [--rounds N] [--seconds N] [--size N] (a rev is a commit, or . for the working tree)'
const revisions: string[] = []
const numbers = { rounds: 5, seconds: 2.5, size: 1000 }
for (let index = 2; index < process.argv.length; index++) {
  const arg = process.argv[index] ?? ''
  const name = arg.slice(2)
  if (name === 'rounds' || name === 'seconds' || name === 'size') {
    const value = Number(process.argv[++index])
    if (!(name === 'seconds' ? value > 0 && value <= 60 : Number.isSafeInteger(value) && value >= 1)) throw new RangeError(`${arg} needs a positive ${name === 'seconds' ? 'number up to 60' : 'integer'}; ${usage}`)
    numbers[name] = value
  } else if (arg.startsWith('--')) {
    throw new RangeError(`unknown option ${arg}; ${usage}`)
  } else {
    revisions.push(arg)
  }
}
if (revisions.length === 0) throw new RangeError(usage)
const { rounds, seconds, size } = numbers

const plan = { rounds, warmupSec: 0.5, warmupConnections: 10, load: { connections: 100, durationSec: seconds, maxRequests: 2_000_000, timeoutSec: 10 } }
const body = JSON.stringify({ name: 'Benchmark write', userId: lightUserId })
const headers = { 'content-type': 'application/json' }

function git (...command: string[]): string {
  return execFileSync('git', command, { cwd: repoRoot, encoding: 'utf8' }).trim()
}

interface Tree { readonly label: string, readonly root: string, readonly temporary: boolean }

async function treeOf (revision: string): Promise<Tree> {
  if (revision === '.') return { label: `working tree (${git('rev-parse', '--short', 'HEAD')} + changes)`, root: repoRoot, temporary: false }
  const commit = git('rev-parse', '--short', `${revision}^{commit}`)
  const root = await mkdtemp(join(tmpdir(), `gateway-${commit}-`))
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${root}"`], { cwd: repoRoot })
  await symlink(join(repoRoot, 'node_modules'), join(root, 'node_modules'))
  return { label: commit, root, temporary: true }
}

async function post (url: string): Promise<number> {
  const response = await fetch(`${url}/addEvent`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) })
  await response.arrayBuffer()
  return response.status
}

const trees: Tree[] = []
const servers: ServerProcess[] = []
process.on('exit', killAllServers)
try {
  for (const revision of revisions) trees.push(await treeOf(revision))
  // event.com answers 503: three writes open each breaker, for longer than the run.
  const upstream = await startServer('servers/upstreamServer.ts', { args: ['--mode=unavailable'] })
  servers.push(upstream)
  const common = [`--size=${size}`, `--upstream=${upstream.url}`]
  // Building a large store takes seconds.
  const startTimeoutMs = 120_000
  for (const tree of trees) servers.push(await startServer('servers/gatewayServer.ts', { root: tree.root, startTimeoutMs, args: [...common, '--breaker-base-ms=600000'] }))
  const peer = await startServer('servers/peerServer.ts', { startTimeoutMs, args: [...common, '--open-ms=600000'] })
  servers.push(peer)
  const subjects = [...servers.slice(1, -1).map((server, index) => ({ label: trees[index]?.label ?? '?', server })), { label: peerLabel, server: peer }]
  for (const { label, server } of subjects) {
    for (let trip = 0; trip < 3; trip++) await post(server.url)
    const status = await post(server.url)
    if (status !== 503) throw new Error(`${label} answered ${status} with its breaker open, not 503`)
  }

  const cases = [
    { name: `GET /getEventsByUserId/${lightUserId} (10 events)`, target: (url: string) => ({ url: `${url}/getEventsByUserId/${lightUserId}`, expectStatus: 200 }) },
    { name: 'POST /addEvent, breaker open', target: (url: string) => ({ url: `${url}/addEvent`, method: 'POST' as const, body, headers, expectStatus: 503 }) }
  ]
  const rows: string[][] = []
  for (const { name, target } of cases) {
    const arms: Arm[] = subjects.map(({ label, server }) => ({ label, target: target(server.url), pids: [server.pid] }))
    const runs = await alternate(arms, plan)
    const [first] = runs
    const peerRuns = runs.at(-1)
    if (first === undefined || peerRuns === undefined) throw new Error('an arm did not run')
    for (const arm of runs) {
      const summary = summarize(arm)
      rows.push([
        name, arm.label, formatRate(summary.requestsPerSec), String(summary.errors + summary.unexpected), formatRatio(medianRatio(arm, first)), formatRatio(medianRatio(arm, peerRuns)),
        formatMicros(medianCpuMicros(arm)), formatRatio(medianCpuRatio(arm, peerRuns))
      ])
    }
  }
  process.stdout.write(renderTable({
    title: `Gateway revisions side by side (${size.toLocaleString('en-US')} stored events, ${rounds} rounds of ${plan.load.durationSec} s, ${plan.load.connections} connections)`,
    header: ['case', 'server', 'req/s', 'errors', `× ${trees[0]?.label ?? 'first'}`, '× peer', 'CPU µs/request', 'peer CPU ÷ this CPU'],
    rows,
    notes: [
      'ratios: median over rounds of the pair ratio, each pair measured in the same round, the order of the arms turned round every other round.',
      'CPU: the server process\'s user and system time (every thread, from /proc) per response over each run and its tail, median over rounds; above 1 in the last column, this server did less work per request than the peer.'
    ]
  }) + '\n')
} finally {
  await stopServers(servers)
  stopLoadGenerator()
  for (const tree of trees) if (tree.temporary) await rm(tree.root, { recursive: true, force: true })
}
