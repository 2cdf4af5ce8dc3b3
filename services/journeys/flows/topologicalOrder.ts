import type { IndexedGraph } from './indexedGraph.js'

/**
 * Kahn's algorithm: a node comes after every node with an edge to it, and among nodes that are
 * ready together the one defined first goes first, so the same definition always gives the same
 * order. `undefined` when a cycle leaves nodes that never become ready.
 */
export function topologicalOrder (graph: IndexedGraph): number[] | undefined {
  const count = graph.ids.length
  const waitingOn = new Array<number>(count).fill(0)
  for (const edges of graph.out) for (const edge of edges) waitingOn[edge.to] = (waitingOn[edge.to] ?? 0) + 1
  // At most 200 nodes: a sorted array is simpler than a heap and fast enough.
  const ready: number[] = []
  for (let node = 0; node < count; node++) if (waitingOn[node] === 0) ready.push(node)
  const order: number[] = []
  for (let node = ready.shift(); node !== undefined; node = ready.shift()) {
    order.push(node)
    for (const edge of graph.out[node] ?? []) {
      const left = (waitingOn[edge.to] ?? 0) - 1
      waitingOn[edge.to] = left
      if (left === 0) insertSorted(ready, edge.to)
    }
  }
  return order.length === count ? order : undefined
}

function insertSorted (list: number[], value: number): void {
  let at = list.length
  while (at > 0 && (list[at - 1] ?? 0) > value) at--
  list.splice(at, 0, value)
}
