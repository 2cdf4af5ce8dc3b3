import type { ArmSummary } from './compareTargets.js'
import { formatMs, formatRate } from './table.js'

/** Columns shared by every HTTP scenario's table. */
export const loadHeader = ['case', 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'ratio', 'target', 'result'] as const

export function loadRow (caseLabel: string, summary: ArmSummary, ratio: string, target = '—', result = '—'): string[] {
  return [caseLabel, summary.label, formatRate(summary.requestsPerSec), formatMs(summary.p50Ms), formatMs(summary.p99Ms), formatErrors(summary), ratio, target, result]
}

/** Connection errors and timeouts, then responses with a status other than the expected one. */
function formatErrors (summary: ArmSummary): string {
  if (summary.errors === 0 && summary.unexpected === 0) return '0'
  return [
    summary.errors > 0 ? `${summary.errors} conn/timeout` : '',
    summary.unexpected > 0 ? `${summary.unexpected} bad status` : ''
  ].filter((part) => part !== '').join(', ')
}
