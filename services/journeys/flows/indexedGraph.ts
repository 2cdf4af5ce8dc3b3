import type { EdgeKind } from './readStep.js'

/** An edge between two nodes, with where it is written: `steps[defined[from]][kind][index]`. */
export interface GraphEdge {
  readonly from: number
  readonly to: number
  readonly kind: EdgeKind
  readonly index: number
}

/**
 * The steps as numbered nodes, numbered in definition order (so the smallest number is the first
 * defined), with each node's outgoing edges in the order the definition lists them.
 */
export interface IndexedGraph {
  readonly ids: readonly string[]
  /** Each node's index in `steps`. */
  readonly defined: readonly number[]
  readonly out: readonly (readonly GraphEdge[])[]
  /** The nodes the trigger lists, in its order. */
  readonly roots: readonly number[]
}
