/** What the soaks check of the write path: event.com's events against what the gateway acknowledged and shows. */
import type { Outcome } from '../services/http/errors.js'

/** One logical write as the soak's client made it, across its attempts. */
export interface Write {
  readonly name: string
  readonly key: string | undefined
  ackId: string | undefined
  readonly outcomes: Outcome[]
}

/** Whether a write that was not acknowledged may have been stored by event.com all the same. */
export function mayHaveLanded (entry: Write): boolean {
  return entry.outcomes.includes('outcome-unknown') || entry.outcomes.length === 0
}

export interface WriteTally {
  readonly acknowledged: number
  readonly failedByOutcome: Readonly<Record<Outcome | 'no answer', number>>
  /** Not acknowledged, outcome unknown, and found at event.com. */
  readonly landedUnknown: number
  /** Each invariant with the number of writes breaking it: all 0 when the gateway kept its promises. */
  readonly violations: Readonly<Record<string, number>>
}

/**
 * `upstream`: every event event.com holds, `seedCount` of them from before the soak; `shown`: for
 * each place the gateway was read from (an instance), the ids and names its reads showed.
 */
export function tallyWrites (writes: readonly Write[], upstream: readonly { readonly id: unknown, readonly name: string }[], seedCount: number, shown: ReadonlyMap<string, { readonly ids: ReadonlySet<string>, readonly names: ReadonlySet<string> }>): WriteTally {
  const idCounts = new Map<string, number>()
  const nameCounts = new Map<string, number>()
  for (const event of upstream) {
    idCounts.set(String(event.id), (idCounts.get(String(event.id)) ?? 0) + 1)
    nameCounts.set(event.name, (nameCounts.get(event.name) ?? 0) + 1)
  }
  const stored = (entry: Write): number => nameCounts.get(entry.name) ?? 0
  const acked = writes.filter((entry) => entry.ackId !== undefined)
  const unacked = writes.filter((entry) => entry.ackId === undefined)
  const failedByOutcome: Record<Outcome | 'no answer', number> = { 'not-forwarded': 0, 'upstream-failed': 0, 'outcome-unknown': 0, 'no answer': 0 }
  for (const entry of unacked) failedByOutcome[entry.outcomes.at(-1) ?? 'no answer'] += 1
  const landedUnknown = unacked.filter((entry) => mayHaveLanded(entry) && stored(entry) > 0).length
  const suffix = (place: string): string => shown.size > 1 ? ` (${place})` : ''
  const violations: Record<string, number> = {
    'ids stored twice by event.com': [...idCounts.values()].filter((n) => n > 1).length,
    'keyed writes stored twice': writes.filter((entry) => entry.key !== undefined && stored(entry) > 1).length,
    'unkeyed writes stored twice': writes.filter((entry) => entry.key === undefined && stored(entry) > 1).length,
    'acknowledged, missing from event.com': acked.filter((entry) => (idCounts.get(entry.ackId ?? '') ?? 0) === 0).length
  }
  for (const [place, reads] of shown) {
    violations[`acknowledged, missing from reads${suffix(place)}`] = acked.filter((entry) => !reads.ids.has(entry.ackId ?? '')).length
    violations[`never acknowledged, shown in reads${suffix(place)}`] = unacked.filter((entry) => reads.names.has(entry.name)).length
  }
  violations['refused (not-forwarded/upstream-failed only), yet stored'] = unacked.filter((entry) => !mayHaveLanded(entry) && stored(entry) > 0).length
  violations['event.com events unaccounted for'] = upstream.length - seedCount - acked.length - landedUnknown -
    writes.filter((entry) => stored(entry) > 1).reduce((sum, entry) => sum + stored(entry) - 1, 0)
  return { acknowledged: acked.length, failedByOutcome, landedUnknown, violations }
}
