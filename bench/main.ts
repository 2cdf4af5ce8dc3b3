import { readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import { benchOptions } from './benchOptions.js'
import type { BenchOptions } from './benchOptions.js'
import { resultsDocument } from './resultsDocument.js'
import type { Section } from './resultsDocument.js'
import { breakerOverhead } from './scenarios/breakerOverhead.js'
import { failFast } from './scenarios/failFast.js'
import { forwardedWrite } from './scenarios/forwardedWrite.js'
import { generatorCeiling } from './scenarios/generatorCeiling.js'
import { hydration } from './scenarios/hydration.js'
import { idleConnections } from './scenarios/idleConnections.js'
import { journeysOnPglite, journeysOnPostgres } from './scenarios/journeys.js'
import { memoryPerEvent } from './scenarios/memoryPerEvent.js'
import { readScenarios } from './scenarios/readScenarios.js'
import { sharedMode } from './scenarios/sharedMode.js'
import { startup } from './scenarios/startup.js'
import { workerScaling } from './scenarios/workers.js'
import { stopLoadGenerator } from './loadRun.js'
import { killAllServers } from './serverProcess.js'
import type { Table } from './table.js'
import { renderTable } from './table.js'

interface Scenario {
  /** What `--only` selects it by; scenarios sharing a key run together. */
  readonly key: string
  readonly name: string
  readonly run: (options: BenchOptions) => Promise<Table | Table[]>
}

/** `npm run bench [-- --quick] [-- --only <keys>]`: the scenarios in turn, each table printed as it ends, then RESULTS.md. */
const scenarios: readonly Scenario[] = [
  { key: 'ceiling', name: '0. Load generator ceiling', run: generatorCeiling },
  { key: 'reads', name: '1–2. Reads', run: readScenarios },
  { key: 'write', name: '3. Forwarded write', run: forwardedWrite },
  { key: 'failfast', name: '4. Fail-fast', run: failFast },
  { key: 'breaker', name: '5. Breaker overhead', run: breakerOverhead },
  { key: 'memory', name: '6. Memory', run: memoryPerEvent },
  { key: 'hydration', name: '7. Hydration', run: hydration },
  { key: 'startup', name: '8. Start-up', run: startup },
  { key: 'idle', name: '9. Idle connections', run: idleConnections },
  { key: 'journeys', name: '10. Journeys on PGlite', run: journeysOnPglite },
  { key: 'journeys', name: '10. Journeys on PostgreSQL', run: journeysOnPostgres },
  { key: 'shared', name: '11. Shared mode', run: sharedMode },
  { key: 'workers', name: '12. Journeys across worker processes', run: workerScaling }
]

process.on('exit', killAllServers)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { process.exit(130) })
}

const options = benchOptions(process.argv.slice(2))
const keys = [...new Set(scenarios.map((scenario) => scenario.key))]
const unknown = options.only?.filter((key) => !keys.includes(key)) ?? []
if (unknown.length > 0) throw new RangeError(`--only ${unknown.join(',')}: no such scenario; expected some of ${keys.join(', ')}`)
const selected = scenarios.filter((scenario) => options.only?.includes(scenario.key) ?? true)

const startedAt = new Date()
const [loadAtStart = 0] = loadavg()
const sections: Section[] = []
for (const { key, name, run } of selected) {
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
  const section = sections.find((candidate) => candidate.key === key)
  if (section === undefined) sections.push({ key, tables: produced })
  else section.tables.push(...produced)
  for (const table of produced) process.stdout.write(`${renderTable(table)}\n\n`)
  process.stdout.write(`(${name}: ${((performance.now() - scenarioStart) / 1000).toFixed(1)} s)\n\n`)
}

stopLoadGenerator()
const resultsUrl = new URL('RESULTS.md', import.meta.url)
// A partial run keeps the other scenarios' sections of the previous document, each with its own date.
const previous = options.only === undefined ? '' : await readFile(resultsUrl, 'utf8').catch(() => '')
await writeFile(resultsUrl, resultsDocument(sections, keys, previous, options, { startedAt, elapsedMs: Date.now() - startedAt.getTime(), loadAtStart }))
process.stdout.write(`Wrote ${resultsUrl.pathname}\n`)
