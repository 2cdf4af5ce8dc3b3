import type { GraphEdge, IndexedGraph } from './indexedGraph.js'

export interface FoundCycle {
  /** Nodes along the cycle, closing on the first. */
  readonly nodes: readonly number[]
  /** The edge that closes it, from the last node back to the first. */
  readonly closing: GraphEdge
}

/**
 * One cycle for every group of nodes that reach one another (each strongly connected component
 * with a cycle in it), so a definition with several separate cycles hears of each, without the
 * exponential number of cycles one tangle can hold. The cycle reported starts at the group's
 * first-defined node and is a shortest one back to it.
 */
export function findCycles (graph: IndexedGraph): FoundCycle[] {
  const cycles: FoundCycle[] = []
  for (const component of stronglyConnectedComponents(graph)) {
    const start = Math.min(...component)
    const members = new Set(component)
    const cycle = shortestCycle(graph, start, members)
    if (cycle !== undefined) cycles.push(cycle)
  }
  return cycles.sort((a, b) => (a.nodes[0] ?? 0) - (b.nodes[0] ?? 0))
}

/** Tarjan's algorithm; recursion depth is bounded by the step count (at most 200). */
function stronglyConnectedComponents (graph: IndexedGraph): number[][] {
  const count = graph.ids.length
  const order = new Array<number>(count).fill(-1)
  const low = new Array<number>(count).fill(0)
  const onStack = new Array<boolean>(count).fill(false)
  const stack: number[] = []
  const components: number[][] = []
  let counter = 0

  const visit = (node: number): void => {
    order[node] = low[node] = counter++
    stack.push(node)
    onStack[node] = true
    for (const { to } of graph.out[node] ?? []) {
      if (order[to] === -1) {
        visit(to)
        low[node] = Math.min(low[node] ?? 0, low[to] ?? 0)
      } else if (onStack[to] === true) {
        low[node] = Math.min(low[node] ?? 0, order[to] ?? 0)
      }
    }
    if (low[node] !== order[node]) return
    const component: number[] = []
    let member: number | undefined
    do {
      member = stack.pop()
      if (member === undefined) break
      onStack[member] = false
      component.push(member)
    } while (member !== node)
    components.push(component)
  }

  for (let node = 0; node < count; node++) if (order[node] === -1) visit(node)
  return components
}

/** Breadth-first from `start` inside `members`, until an edge leads back to `start`. */
function shortestCycle (graph: IndexedGraph, start: number, members: ReadonlySet<number>): FoundCycle | undefined {
  const cameBy = new Map<number, GraphEdge>()
  const queue = [start]
  // Iterating an array also visits what is pushed onto it meanwhile.
  for (const node of queue) {
    for (const edge of graph.out[node] ?? []) {
      if (edge.to === start) return { nodes: [...pathTo(node, start, cameBy), start], closing: edge }
      if (!members.has(edge.to) || cameBy.has(edge.to)) continue
      cameBy.set(edge.to, edge)
      queue.push(edge.to)
    }
  }
  return undefined
}

function pathTo (node: number, start: number, cameBy: ReadonlyMap<number, GraphEdge>): number[] {
  const path = [node]
  for (let at = node; at !== start;) {
    const edge = cameBy.get(at)
    if (edge === undefined) break
    at = edge.from
    path.unshift(at)
  }
  return path
}
