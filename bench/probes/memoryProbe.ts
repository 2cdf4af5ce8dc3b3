import { parseEvents, parseUsers } from '../../services/gateway/upstream/upstreamPayload.js'
import type { Event } from '../../services/gateway/store/eventStore.js'
import { MemoryEventStore } from '../../services/gateway/store/memoryEventStore.js'
import { createUsers, generateEvents } from '../dataset.js'
import { integerFlag, readFlags } from '../servers/cliArgs.js'

/**
 * Scenario 6, in its own process under --expose-gc: heap and RSS that MemoryEventStore holds for
 * --size events with all its indexes. Events arrive as hydration delivers them (JSON.parse, then
 * the gateway's own parseEvents), in chunks so the JSON text never adds a 150 MB peak.
 * Prints one JSON line.
 */
const gc = globalThis.gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const collect = gc
const flags = readFlags(['size'])
const size = integerFlag(flags, 'size', 1_000_000)
const chunkSize = 10_000

/**
 * V8 (64-bit, no pointer compression, as Node 20 ships) stores a one-byte string in a 16-byte
 * header plus its characters, rounded up to 8 bytes. JSON.parse internalises values of up to 10
 * characters, so those (the user ids here) are shared, not owned by the event.
 */
function ownStringBytes (value: string | undefined): number {
  if (value === undefined || value.length <= 10) return 0
  return Math.ceil((16 + value.length) / 8) * 8
}

function measure (): NodeJS.MemoryUsage {
  for (let pass = 0; pass < 3; pass++) collect()
  return process.memoryUsage()
}

const before = measure()

let events: Event[] = []
let stringBytes = 0
let chunk: Event[] = []
const ingest = (): void => {
  for (const event of parseEvents(JSON.parse(JSON.stringify(chunk))).items) {
    events.push(event)
    stringBytes += ownStringBytes(event.id) + ownStringBytes(event.name) + ownStringBytes(event.userId) + ownStringBytes(event.details)
  }
  chunk = []
}
for (const event of generateEvents(size)) {
  chunk.push(event)
  if (chunk.length === chunkSize) ingest()
}
ingest()
const users = parseUsers(JSON.parse(JSON.stringify(createUsers()))).items
const parsed = measure()

const store = new MemoryEventStore()
await store.load({ users, events })
// From here on only the store holds the events, as after hydration.
events = []
const loaded = measure()
const counts = await store.counts()

process.stdout.write(`${JSON.stringify({
  size,
  storedEvents: counts.events,
  stringBytes,
  heapBefore: before.heapUsed,
  heapParsed: parsed.heapUsed,
  heapLoaded: loaded.heapUsed,
  rssBefore: before.rss,
  rssLoaded: loaded.rss
})}\n`)
