import type { FlowDefinition } from './flowDefinition.js'
import { FlowIssues } from './flowErrors.js'
import type { FlowError } from './flowErrors.js'
import { analyseGraph } from './flowGraph.js'
import type { FlowGraph } from './flowGraph.js'
import { readFlow } from './readFlow.js'
import { allowListEntryProblem } from '../delivery/destinationPolicy.js'

export interface ValidateFlowOptions {
  /**
   * Hosts a webhook may call (the engine's WEBHOOK_ALLOWED_HOSTS): names, IP literals or
   * `*.domain`. Absent, any host that is not link-local or a cloud metadata address; empty, none.
   */
  readonly allowedWebhookHosts?: readonly string[]
}

export type FlowValidation =
  | { readonly ok: true, readonly flow: FlowDefinition, readonly order: readonly string[], readonly graph: FlowGraph }
  | { readonly ok: false, readonly errors: readonly FlowError[] }

/**
 * Checks a flow definition before it is saved and returns it normalised (defaults applied,
 * durations in milliseconds, frozen), with its steps in topological order and the graph the engine
 * moves runs along; or every error found, each with a stable `code` and the `path` in the document.
 * Pure: no I/O, no clock. Throws a RangeError only for an unusable `allowedWebhookHosts` entry,
 * which is a configuration error, not the definition's.
 */
export function validateFlow (input: unknown, options: ValidateFlowOptions = {}): FlowValidation {
  for (const entry of options.allowedWebhookHosts ?? []) {
    const problem = allowListEntryProblem(entry)
    if (problem !== undefined) throw new RangeError(`allowedWebhookHosts: ${problem}`)
  }
  const issues = new FlowIssues()
  const read = readFlow(input, issues, { allowedWebhookHosts: options.allowedWebhookHosts })
  const analysis = read.steps === undefined ? undefined : analyseGraph(read.triggerNext, read.steps, issues)
  if (issues.total > 0 || read.flow === undefined || analysis === undefined) return { ok: false, errors: issues.errors }
  for (const links of analysis.graph.steps.values()) deepFreeze(links)
  return { ok: true, flow: deepFreeze(read.flow), order: Object.freeze([...analysis.order]), graph: deepFreeze(analysis.graph) }
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}
