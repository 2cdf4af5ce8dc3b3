/**
 * `npx tsx bench/requestIdBench.ts [--rounds N] [--ids N]`: what a request id costs the gateway,
 * `crypto.randomUUID()` against `randomUuid()` (utils/randomUuid.ts), side by side in one process.
 * Each id is made and then used as a request uses it: validated as a header value (Node's
 * `validateHeaderValue`, as `writeHead` does) and quoted into a JSON body. Rounds alternate which
 * runs first; one warm-up round lets the JIT settle. Prints ns per id, medians over rounds, and the
 * ratio.
 */
import { randomUUID } from 'node:crypto'
import { validateHeaderValue } from 'node:http'
import { parseArgs } from 'node:util'
import { randomUuid } from '../utils/randomUuid.js'
import { median } from './median.js'
import { renderTable } from './table.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' }, ids: { type: 'string', default: '1000000' } } })
const rounds = Number(values.rounds)
const ids = Number(values.ids)
if (!Number.isSafeInteger(rounds) || rounds < 1 || !Number.isSafeInteger(ids) || ids < 1) throw new RangeError('--rounds and --ids take positive integers')

const candidates = { 'crypto.randomUUID()': randomUUID, 'randomUuid()': randomUuid }
type Name = keyof typeof candidates

let sink = 0
function nsPerId (make: () => string): number {
  const start = process.hrtime.bigint()
  for (let index = 0; index < ids; index++) {
    const id = make()
    validateHeaderValue('x-request-id', id)
    sink += JSON.stringify(id).length
  }
  return Number(process.hrtime.bigint() - start) / ids
}

const samples: Record<Name, number[]> = { 'crypto.randomUUID()': [], 'randomUuid()': [] }
const names = Object.keys(candidates) as Name[]
for (let round = 0; round <= rounds; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    const ns = nsPerId(candidates[name])
    if (round > 0) samples[name].push(ns)
  }
}
const reference = median(samples['crypto.randomUUID()'])
process.stdout.write(`${renderTable({
  title: `Request id: made, validated as a header and quoted into JSON (${ids.toLocaleString('en-US')} ids, median of ${rounds} rounds)`,
  header: ['id', 'ns per id', '× crypto.randomUUID()'],
  rows: names.map((name) => [name, median(samples[name]).toFixed(0), (median(samples[name]) / reference).toFixed(2)]),
  // Printed so the work cannot be optimised away.
  notes: [`${sink.toLocaleString('en-US')} characters of JSON written`]
})}\n`)
