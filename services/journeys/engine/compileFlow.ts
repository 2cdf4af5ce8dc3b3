import { compileFilter, renderEmail, renderWebhook, resolveWaitUntil, validateFlow } from '../flows/index.js'
import type { Filter, FlowDefinition, FlowGraph, Step } from '../flows/index.js'
import type { Validation } from './flowCatalog.js'
import type { FlowRuntime, RunView, RuntimeStep } from './flowRuntime.js'
import type { Edge, FlowGraphView } from './progress.js'

export interface FlowCompiler {
  /** Checks a definition before it is saved, against the webhook allow-list in force. */
  readonly validate: (input: unknown) => Validation
  /** A saved version, ready to run. */
  readonly compile: (definition: unknown, order: readonly string[]) => FlowRuntime
}

const always = (): boolean => true

function matcher (where: Filter | undefined): (view: RunView) => boolean {
  return where === undefined ? always : compileFilter(where)
}

function graphView (graph: FlowGraph): FlowGraphView {
  const parents = new Map<string, Edge[]>()
  const children = new Map<string, string[]>()
  for (const [id, links] of graph.steps) {
    const edges: Edge[] = links.fromTrigger ? [{ from: null, kind: 'next' }] : []
    for (const kind of ['next', 'then', 'else'] as const) {
      for (const from of links.parents[kind]) edges.push({ from, kind })
    }
    parents.set(id, edges)
    children.set(id, [...new Set([...links.children.next, ...links.children.then, ...links.children.else])])
  }
  return {
    roots: graph.trigger,
    parents: (id) => parents.get(id) ?? [],
    children: (id) => children.get(id) ?? []
  }
}

function runtimeStep (step: Step, allowedWebhookHosts: readonly string[] | undefined): RuntimeStep {
  const failed = (reason: string): Error => new Error(`step ${step.id}: ${reason}`)
  switch (step.type) {
    case 'email':
      return {
        type: 'email',
        id: step.id,
        retry: step.retry,
        render: (view) => {
          const rendered = renderEmail(step, view)
          return rendered.ok ? rendered.email : failed(rendered.reason)
        }
      }
    case 'webhook':
      return {
        type: 'webhook',
        id: step.id,
        retry: step.retry,
        render: (view) => {
          const rendered = renderWebhook(step, view, allowedWebhookHosts === undefined ? {} : { allowedWebhookHosts })
          if (!rendered.ok) return failed(rendered.reason)
          const { url, method, headers, body } = rendered.request
          return body === undefined ? { url, method, headers } : { url, method, headers, body: JSON.stringify(body) }
        }
      }
    case 'wait':
      if ('durationMs' in step) return { type: 'wait', id: step.id, wakeAt: (_view, now) => now + step.durationMs }
      return {
        type: 'wait',
        id: step.id,
        wakeAt: (view) => {
          const resolved = resolveWaitUntil(step, view)
          return resolved.ok ? resolved.atMs : failed(resolved.reason)
        }
      }
    case 'branch':
      return { type: 'branch', id: step.id, matches: matcher(step.where) }
    case 'waitForEvent':
      return { type: 'waitForEvent', id: step.id, event: step.event, matches: matcher(step.where), timeoutMs: step.timeoutMs, lookbackMs: step.lookbackMs }
  }
}

/** The event names a flow acts on: its trigger, its exit, and those its steps wait for. */
function listensOf (flow: FlowDefinition): string[] {
  const names = new Set([flow.trigger.event])
  if (flow.exit !== undefined) names.add(flow.exit.event)
  for (const step of flow.steps) if (step.type === 'waitForEvent') names.add(step.event)
  return [...names].sort()
}

function runtimeOf (flow: FlowDefinition, graph: FlowGraph, order: readonly string[], allowedWebhookHosts: readonly string[] | undefined): FlowRuntime {
  const steps = new Map(flow.steps.map((step) => [step.id, runtimeStep(step, allowedWebhookHosts)]))
  return {
    name: flow.name,
    graph: graphView(graph),
    order,
    entry: flow.entry,
    triggerEvent: flow.trigger.event,
    triggerMatches: matcher(flow.trigger.where),
    exitEvent: flow.exit?.event,
    exitMatches: flow.exit === undefined ? () => false : matcher(flow.exit.where),
    step: (id) => steps.get(id),
    stepIds: [...steps.keys()]
  }
}

/**
 * Flow definitions for the engine: `validate` is `validateFlow` with the webhook allow-list (a new
 * version must pass it); `compile` reads a saved version again without it, so a version that runs
 * are pinned to keeps working when the list changes. A rendered webhook URL is still checked
 * against the list on every call, and delivery checks where its host resolves to.
 */
export function flowCompiler (options: { readonly allowedWebhookHosts?: readonly string[] | undefined } = {}): FlowCompiler {
  const allowedWebhookHosts = options.allowedWebhookHosts !== undefined && options.allowedWebhookHosts.length > 0 ? options.allowedWebhookHosts : undefined
  return {
    validate (input) {
      const result = validateFlow(input, allowedWebhookHosts === undefined ? {} : { allowedWebhookHosts })
      if (!result.ok) return { ok: false, errors: result.errors }
      const { flow } = result
      return {
        ok: true,
        flow: {
          // The entry policy is stored as applied: the summaries read it from the definition.
          definition: { ...input as ValidFlowDefinition, entry: flow.entry },
          order: result.order,
          triggerEvent: flow.trigger.event,
          exitEvent: flow.exit?.event,
          listens: listensOf(flow),
          entry: flow.entry
        }
      }
    },
    compile (definition, order) {
      const result = validateFlow(definition)
      if (!result.ok) throw new Error(`a saved flow version no longer validates: ${result.errors.map((error) => error.message).join('; ')}`)
      return runtimeOf(result.flow, result.graph, order, allowedWebhookHosts)
    }
  }
}

type ValidFlowDefinition = Readonly<Record<string, unknown>> & { readonly name: string }
