/** What the engine knows of a step of a run, for deciding what comes next. */
export type StepStatus = 'pending' | 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'

export interface StepState {
  readonly status: StepStatus
  /** The edge a branch or waitForEvent took: `then` or `else`. */
  readonly branch?: 'then' | 'else' | null | undefined
}

/** An edge into a step: from the trigger (`from: null`) or from a step, of a kind. */
export interface Edge {
  readonly from: string | null
  readonly kind: 'next' | 'then' | 'else'
}

/** The graph facts progress needs. */
export interface FlowGraphView {
  readonly roots: readonly string[]
  readonly parents: (stepId: string) => readonly Edge[]
  readonly children: (stepId: string) => readonly string[]
}

export interface Progress { readonly activate: readonly string[], readonly skip: readonly string[] }

const settled = (status: StepStatus | undefined): boolean => status === 'succeeded' || status === 'skipped'

/** Whether the edge carried the run: the trigger always does; a step only when it succeeded, and a branch only along the edge it took. */
function carried (edge: Edge, states: ReadonlyMap<string, StepState>): boolean {
  if (edge.from === null) return true
  const parent = states.get(edge.from)
  if (parent?.status !== 'succeeded') return false
  return edge.kind === 'next' || parent.branch === edge.kind
}

/**
 * The steps that the settling of `settledSteps` makes ready (`activate`: every parent settled and at
 * least one edge carried the run; a fan-in step becomes ready once, when its last parent settles)
 * and those it rules out (`skip`: every parent settled and none carried it, so its whole branch is
 * skipped, transitively). Only steps still `pending` are considered, so a step is never activated
 * twice: the caller applies the result under the run's lock.
 */
export function progress (graph: FlowGraphView, states: ReadonlyMap<string, StepState>, settledSteps: readonly string[]): Progress {
  const view = new Map(states)
  const activate: string[] = []
  const skip: string[] = []
  const work = settledSteps.flatMap((id) => graph.children(id))
  while (work.length > 0) {
    const child = work.shift()
    if (child === undefined || view.get(child)?.status !== 'pending') continue
    const edges = graph.parents(child)
    if (!edges.every((edge) => edge.from === null || settled(view.get(edge.from)?.status))) continue
    if (edges.some((edge) => carried(edge, view))) {
      activate.push(child)
      view.set(child, { status: 'queued' })
    } else {
      skip.push(child)
      view.set(child, { status: 'skipped' })
      work.push(...graph.children(child))
    }
  }
  return { activate, skip }
}

/** The steps a new run starts with: the trigger's children. */
export function initialProgress (graph: FlowGraphView): Progress {
  return { activate: [...graph.roots], skip: [] }
}

export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'exited'

/**
 * A run's status from its steps: failed as soon as one failed; running while any step is queued or
 * running; waiting while the only steps left are waiting; completed once every step is settled.
 */
export function runStatusOf (steps: Iterable<StepState>): 'running' | 'waiting' | 'completed' | 'failed' {
  let waiting = false
  let busy = false
  for (const step of steps) {
    if (step.status === 'failed') return 'failed'
    if (step.status === 'queued' || step.status === 'running') busy = true
    if (step.status === 'waiting') waiting = true
    // A pending step whose parents are not all settled is waiting for them, so it is busy or waiting too.
  }
  return busy ? 'running' : waiting ? 'waiting' : 'completed'
}
