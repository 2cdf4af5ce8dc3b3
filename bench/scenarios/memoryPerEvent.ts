import type { BenchOptions } from '../benchOptions.js'
import { runProbe } from '../runProbe.js'
import { sizeLabel } from '../sizeLabel.js'
import type { Table } from '../table.js'
import { formatBytes, verdict } from '../table.js'

const targetBytes = 120

/** Scenario 6: heap and RSS per stored event at the large size, measured in a fresh process. */
export async function memoryPerEvent (options: BenchOptions): Promise<Table> {
  const result = await runProbe('probes/memoryProbe.ts', [`--size=${options.largeSize}`], { nodeFlags: ['--expose-gc'], timeoutMs: 180_000 })
  const number = (key: string): number => {
    const value = result[key]
    if (typeof value !== 'number') throw new Error(`the memory probe reported no ${key}`)
    return value
  }
  const size = number('size')
  const perEvent = (bytes: number): string => (bytes / size).toFixed(1)
  const heapTotal = number('heapLoaded') - number('heapBefore')
  const strings = number('stringBytes')
  const beyond = heapTotal - strings
  const rss = number('rssLoaded') - number('rssBefore')
  return {
    title: `6. Memory per stored event at ${sizeLabel(size)} events (MemoryEventStore.load, every index)`,
    header: ['measure', 'total', 'B/event', 'target', 'result'],
    rows: [
      ['heap: the events\' own strings (estimated)', formatBytes(strings), perEvent(strings), '—', '—'],
      ['heap: events as parsed (objects + strings + one array slot)', formatBytes(number('heapParsed') - number('heapBefore')), perEvent(number('heapParsed') - number('heapBefore')), '—', '—'],
      ['heap: in the store, total', formatBytes(heapTotal), perEvent(heapTotal), '—', '—'],
      ['heap: in the store, beyond the strings', formatBytes(beyond), perEvent(beyond), `≤ ${targetBytes} B/event`, verdict(beyond / size <= targetBytes)],
      ['RSS growth', formatBytes(rss), perEvent(rss), '—', '—'],
      ['RSS of the process, in all', formatBytes(number('rssLoaded')), '—', '—', '—']
    ],
    notes: [
      `${number('storedEvents').toLocaleString('en-US')} events stored; heapUsed after three forced GCs (--expose-gc) before and after, with only the store holding the events.`,
      'Each event: a 36-character id, a ~20-character name, a ~35-character details and a user id of at most 5 characters; ' +
      'strings estimated as V8 lays them out (16-byte header + characters, 8-byte aligned; JSON.parse shares strings of ≤ 10 characters).',
      'Events are produced as hydration produces them: JSON.parse of event.com\'s text, then the gateway\'s parseEvents.'
    ]
  }
}
