import { writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import { benchOptions } from './benchOptions.js'
import type { BenchOptions } from './benchOptions.js'
import { resultsDocument } from './resultsDocument.js'
import { breakerOverhead } from './scenarios/breakerOverhead.js'
import { failFast } from './scenarios/failFast.js'
import { forwardedWrite } from './scenarios/forwardedWrite.js'
import { generatorCeiling } from './scenarios/generatorCeiling.js'
import { hydration } from './scenarios/hydration.js'
import { idleConnections } from './scenarios/idleConnections.js'
import { memoryPerEvent } from './scenarios/memoryPerEvent.js'
import { readScenarios } from './scenarios/readScenarios.js'
import { startup } from './scenarios/startup.js'
import { stopLoadGenerator } from './loadRun.js'
import { killAllServers } from './serverProcess.js'
import type { Table } from './table.js'
import { renderTable } from './table.js'

/** `npm run bench [-- --quick]`: every scenario in turn, each table printed as it ends, then RESULTS.md. */
const scenarios: readonly (readonly [string, (options: BenchOptions) => Promise<Table | Table[]>])[] = [
  ['0. Load generator ceiling', generatorCeiling],
  ['1–2. Reads', readScenarios],
  ['3. Forwarded write', forwardedWrite],
  ['4. Fail-fast', failFast],
  ['5. Breaker overhead', breakerOverhead],
  ['6. Memory', memoryPerEvent],
  ['7. Hydration', hydration],
  ['8. Start-up', startup],
  ['9. Idle connections', idleConnections]
]

process.on('exit', killAllServers)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { process.exit(130) })
}

const options = benchOptions(process.argv.slice(2))
const startedAt = new Date()
const [loadAtStart = 0] = loadavg()
const tables: Table[] = []
for (const [name, run] of scenarios) {
  const scenarioStart = performance.now()
  let produced: Table[]
  try {
    produced = [await run(options)].flat()
  } catch (error) {
    // One broken scenario must not cost the others' figures; it is reported in their place.
    produced = [{ title: `${name}: could not be measured`, header: ['error'], rows: [[error instanceof Error ? error.message : String(error)]] }]
  }
  // Other work on this shared machine (test runs, builds) skews timings: say how busy it was.
  const [load = 0] = loadavg()
  // The suite keeps two or three processes busy itself; a lagging 1-min average beyond that means others.
  const busy = load > availableParallelism() + 2
  produced = produced.map((table) => ({
    ...table,
    notes: [...table.notes ?? [], `1-min load average when this table finished: ${load.toFixed(1)} on ${availableParallelism()} CPUs ` +
      `(the suite itself accounts for about 2–3)${busy ? ': other processes were competing for the CPUs, so treat these timings with suspicion' : ''}.`]
  }))
  tables.push(...produced)
  for (const table of produced) process.stdout.write(`${renderTable(table)}\n\n`)
  process.stdout.write(`(${name}: ${((performance.now() - scenarioStart) / 1000).toFixed(1)} s)\n\n`)
}

stopLoadGenerator()
const resultsUrl = new URL('RESULTS.md', import.meta.url)
await writeFile(resultsUrl, resultsDocument(tables, options, { startedAt, elapsedMs: Date.now() - startedAt.getTime(), loadAtStart }))
process.stdout.write(`Wrote ${resultsUrl.pathname}\n`)
