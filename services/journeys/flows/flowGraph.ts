import type { EdgeEntry } from './fieldReader.js'
import type { FlowIssues } from './flowErrors.js'
import { findCycles } from './findCycles.js'
import type { GraphEdge, IndexedGraph } from './indexedGraph.js'
import { edgeKinds } from './readStep.js'
import type { EdgeKind, ReadStep } from './readStep.js'
import { topologicalOrder } from './topologicalOrder.js'

/** Step ids by the kind of edge that joins them. */
export type EdgeLists = Readonly<Record<EdgeKind, readonly string[]>>

export interface StepLinks {
  /** The steps with an edge to this one, by the kind of that edge, in definition order. */
  readonly parents: EdgeLists
  /** True when the trigger lists this step: runs start here. */
  readonly fromTrigger: boolean
  /** The steps this one leads to, as its definition lists them. */
  readonly children: EdgeLists
}

/**
 * The facts the engine needs to move a run along. A step with several parents (fan-in) has them
 * all in `parents`; what joining means (the first parent to finish, or all that were taken) is the
 * engine's to decide.
 */
export interface FlowGraph {
  /** The trigger's children, as `trigger.next` lists them. */
  readonly trigger: readonly string[]
  readonly steps: ReadonlyMap<string, StepLinks>
}

export interface GraphAnalysis {
  /** Every step id, each after all of its parents; ties go to the step defined first. */
  readonly order: readonly string[]
  readonly graph: FlowGraph
}

/**
 * Checks the edges of a definition, reporting `duplicate-step`, `unknown-step`, `cycle` and
 * `unreachable` (each, not only the first), and returns the order and graph when there is a cycle
 * in none. A repeated id's step is left out of the graph: only its first definition counts.
 */
export function analyseGraph (triggerNext: readonly EdgeEntry[], steps: readonly ReadStep[], issues: FlowIssues): GraphAnalysis | undefined {
  const nodes = new Map<string, number>()
  const kept: ReadStep[] = []
  for (const step of steps) {
    if (step.id === undefined) continue
    const first = nodes.get(step.id)
    if (first !== undefined) {
      issues.field('duplicate-step', ['steps', step.index, 'id'], `step id ${step.id} is already used by steps[${kept[first]?.index ?? 0}]`)
      continue
    }
    nodes.set(step.id, kept.length)
    kept.push(step)
  }

  const resolve = (entry: EdgeEntry, path: (string | number)[]): number | undefined => {
    const to = nodes.get(entry.target)
    if (to === undefined) issues.field('unknown-step', [...path, entry.index], `no step has the id ${entry.target}`)
    return to
  }
  const roots = triggerNext.flatMap((entry) => resolve(entry, ['trigger', 'next']) ?? [])
  const out = kept.map((step, from) => edgeKinds.flatMap((kind) => step.edges[kind].flatMap((entry): GraphEdge[] => {
    const to = resolve(entry, ['steps', step.index, kind])
    return to === undefined ? [] : [{ from, to, kind, index: entry.index }]
  })))
  const graph: IndexedGraph = { ids: kept.map((step) => step.id ?? ''), defined: kept.map((step) => step.index), out, roots }

  for (const cycle of findCycles(graph)) {
    const ids = cycle.nodes.map((node) => graph.ids[node] ?? '')
    issues.add({
      code: 'cycle',
      path: ['steps', graph.defined[cycle.closing.from] ?? 0, cycle.closing.kind, cycle.closing.index],
      message: `these steps lead back to themselves: ${ids.join(' → ')}`,
      cycle: ids
    })
  }
  const reached = reachable(graph)
  graph.ids.forEach((id, node) => {
    if (!reached.has(node)) issues.field('unreachable', ['steps', graph.defined[node] ?? 0], `no path from the trigger leads to step ${id}`)
  })

  const order = topologicalOrder(graph)
  return order === undefined ? undefined : { order: order.map((node) => graph.ids[node] ?? ''), graph: flowGraph(graph) }
}

function reachable (graph: IndexedGraph): Set<number> {
  const seen = new Set(graph.roots)
  const queue = [...seen]
  for (const node of queue) {
    for (const { to } of graph.out[node] ?? []) {
      if (!seen.has(to)) {
        seen.add(to)
        queue.push(to)
      }
    }
  }
  return seen
}

function flowGraph (graph: IndexedGraph): FlowGraph {
  const empty = (): Record<EdgeKind, string[]> => ({ next: [], then: [], else: [] })
  const parents = graph.ids.map(empty)
  const children = graph.ids.map(empty)
  for (const edges of graph.out) {
    for (const edge of edges) {
      children[edge.from]?.[edge.kind].push(graph.ids[edge.to] ?? '')
      parents[edge.to]?.[edge.kind].push(graph.ids[edge.from] ?? '')
    }
  }
  const roots = new Set(graph.roots)
  const steps = new Map<string, StepLinks>()
  graph.ids.forEach((id, node) => {
    steps.set(id, { parents: parents[node] ?? empty(), fromTrigger: roots.has(node), children: children[node] ?? empty() })
  })
  return { trigger: graph.roots.map((node) => graph.ids[node] ?? ''), steps }
}
