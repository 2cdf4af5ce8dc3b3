import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../../../services/journeys/flows/index.js'
import type { CycleError } from '../../../../services/journeys/flows/index.js'
import { errorsOf, expectTopological, graphEdges } from './flowFixtures.js'

type Kind = 'next' | 'then' | 'else'

/**
 * A random DAG over nodes numbered in topological order: every node after the first has at least
 * one parent among the nodes before it, so the trigger (which starts at node 0, and perhaps at
 * others) reaches them all. Forking nodes (branches) put each child in then or else; the others
 * (zero waits) in next. `definitionOrder` lists the nodes in the order the definition gives them.
 */
interface Dag {
  readonly size: number
  readonly forking: readonly boolean[]
  /** [parent, child, the list on a forking parent] */
  readonly edges: readonly (readonly [number, number, 'then' | 'else'])[]
  readonly roots: readonly number[]
  readonly definitionOrder: readonly number[]
}

const dags: fc.Arbitrary<Dag> = fc.integer({ min: 1, max: 40 }).chain((size) => fc.record({
  size: fc.constant(size),
  forking: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
  parents: fc.tuple(...Array.from({ length: size }, (_, node) => node === 0
    ? fc.constant<number[]>([])
    : fc.uniqueArray(fc.integer({ min: 0, max: node - 1 }), { minLength: 1, maxLength: Math.min(node, 4) }))),
  sides: fc.array(fc.constantFrom('then' as const, 'else' as const), { minLength: size * 4, maxLength: size * 4 }),
  extraRoots: fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 3 }),
  definitionOrder: fc.shuffledSubarray(Array.from({ length: size }, (_, node) => node), { minLength: size, maxLength: size })
}).map(({ size, forking, parents, sides, extraRoots, definitionOrder }) => ({
  size,
  forking,
  edges: parents.flatMap((from, child) => from.map((parent, index) => [parent, child, sides[child * 4 + index] ?? 'then'] as const)),
  roots: [...new Set([0, ...extraRoots])],
  definitionOrder
})))

const id = (node: number): string => `n${node}`

/** The definition of a DAG, with `extra` edges added and `isolated` nodes that nothing leads to. */
function definition (dag: Dag, extra: readonly (readonly [number, number])[] = [], isolated = 0): Record<string, unknown> {
  const lists = Array.from({ length: dag.size + isolated }, () => ({ next: [] as string[], then: [] as string[], else: [] as string[] }))
  const add = (from: number, to: number, side: 'then' | 'else'): void => {
    const list = lists[from]
    if (list !== undefined) (dag.forking[from] === true ? list[side] : list.next).push(id(to))
  }
  for (const [from, to, side] of dag.edges) add(from, to, side)
  for (const [from, to] of extra) add(from, to, 'then')
  const step = (node: number): Record<string, unknown> => {
    const list = lists[node] ?? { next: [], then: [], else: [] }
    return dag.forking[node] === true
      ? { id: id(node), type: 'branch', where: { 'event.properties.n': { $gt: node } }, then: list.then, else: list.else }
      : { id: id(node), type: 'wait', duration: 0, next: list.next }
  }
  const islands = Array.from({ length: isolated }, (_, offset) => dag.size + offset)
  return {
    name: 'random',
    trigger: { event: 'go', next: dag.roots.map(id) },
    steps: [...dag.definitionOrder, ...islands].map(step)
  }
}

/** Every [ancestor, descendant] pair of a DAG, the node itself excluded. */
function ancestry (dag: Dag): [number, number][] {
  const children = Array.from({ length: dag.size }, () => new Set<number>())
  for (const [from, to] of dag.edges) children[from]?.add(to)
  const pairs: [number, number][] = []
  for (let ancestor = 0; ancestor < dag.size; ancestor++) {
    const seen = new Set<number>()
    const queue = [...(children[ancestor] ?? [])]
    for (const node of queue) {
      if (seen.has(node)) continue
      seen.add(node)
      pairs.push([ancestor, node])
      queue.push(...(children[node] ?? []))
    }
  }
  return pairs
}

/** Every edge a definition lists, as "from>to". */
function listedEdges (flow: Record<string, unknown>): Set<string> {
  const edges = new Set<string>()
  for (const step of flow.steps as { id: string, next?: string[], then?: string[], else?: string[] }[]) {
    for (const to of [...(step.next ?? []), ...(step.then ?? []), ...(step.else ?? [])]) edges.add(`${step.id}>${to}`)
  }
  return edges
}

describe('flow graphs, for any DAG', () => {
  it('accepts it, and its order lists every step once, each after all of its parents', () => {
    fc.assert(fc.property(dags, (dag) => {
      const flow = definition(dag)
      const result = validateFlow(flow)
      if (!result.ok) throw new Error(JSON.stringify(result.errors))
      expectTopological(result.order, result.graph)
      // The graph holds exactly the edges the definition lists, with parents mirroring children.
      expect(new Set(graphEdges(result.graph).map(([from, to]) => `${from}>${to}`))).toEqual(listedEdges(flow))
      for (const [from, to, kind] of graphEdges(result.graph)) expect(result.graph.steps.get(to)?.parents[kind as Kind]).toContain(from)
      expect(result.graph.trigger).toEqual(dag.roots.map(id))
    }), { numRuns: 300 })
  })

  it('breaks ties by definition order: a node comes as soon as it is ready, before any later-defined ready node', () => {
    fc.assert(fc.property(dags, (dag) => {
      const result = validateFlow(definition(dag))
      if (!result.ok) throw new Error(JSON.stringify(result.errors))
      const defined = new Map(dag.definitionOrder.map((node, index) => [id(node), index]))
      const placed = new Set<string>()
      for (const [index, step] of result.order.entries()) {
        // Every step not yet placed whose parents are all placed was ready; the chosen one is the first defined.
        const ready = [...result.graph.steps].filter(([candidate, links]) => !placed.has(candidate) &&
          [...links.parents.next, ...links.parents.then, ...links.parents.else].every((parent) => placed.has(parent)))
        const first = ready.map(([candidate]) => candidate).sort((a, b) => (defined.get(a) ?? 0) - (defined.get(b) ?? 0))[0]
        expect(step, `position ${index}`).toBe(first)
        placed.add(step)
      }
    }), { numRuns: 100 })
  })

  it('refuses it with one cycle once any back edge is added, naming a real cycle through that edge', () => {
    const withBackEdge = dags.chain((dag) => {
      const pairs = ancestry(dag)
      return pairs.length === 0 ? fc.constant(undefined) : fc.constantFrom(...pairs).map((pair) => ({ dag, pair }))
    }).filter((value) => value !== undefined)

    fc.assert(fc.property(withBackEdge, ({ dag, pair: [ancestor, descendant] }) => {
      const flow = definition(dag, [[descendant, ancestor]])
      const errors = errorsOf(flow)
      expect(errors.map((error) => error.code)).toEqual(['cycle'])
      const { cycle, path } = errors[0] as CycleError
      const edges = listedEdges(flow)
      expect(cycle.length).toBeGreaterThanOrEqual(3)
      expect(cycle.at(-1)).toBe(cycle[0])
      for (let index = 0; index + 1 < cycle.length; index++) expect(edges).toContain(`${cycle[index] ?? ''}>${cycle[index + 1] ?? ''}`)
      // Steps along it are distinct, and every cycle in a DAG plus one edge runs through that edge.
      expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1)
      const consecutive = cycle.slice(0, -1).map((from, index) => `${from}>${cycle[index + 1] ?? ''}`)
      expect(consecutive).toContain(`${id(descendant)}>${id(ancestor)}`)
      // The path points at the entry that closes the cycle.
      const steps = flow.steps as Record<string, string[] | string>[]
      const [, stepIndex, list, entry] = path as ['steps', number, string, number]
      expect(steps[stepIndex]?.id).toBe(cycle.at(-2))
      expect((steps[stepIndex]?.[list] as string[])[entry]).toBe(cycle[0])
    }), { numRuns: 300 })
  })

  it('refuses a self-loop on any step with the cycle [id, id]', () => {
    fc.assert(fc.property(dags.chain((dag) => fc.integer({ min: 0, max: dag.size - 1 }).map((node) => ({ dag, node }))), ({ dag, node }) => {
      const errors = errorsOf(definition(dag, [[node, node]]))
      expect(errors).toEqual([expect.objectContaining({ code: 'cycle', cycle: [id(node), id(node)] })])
    }), { numRuns: 100 })
  })

  it('reports every step that nothing from the trigger leads to, and only those', () => {
    fc.assert(fc.property(dags, fc.integer({ min: 1, max: 5 }), (dag, isolated) => {
      const flow = definition(dag, [], isolated)
      const errors = errorsOf(flow)
      expect(errors.map((error) => error.code)).toEqual(Array.from({ length: isolated }, () => 'unreachable'))
      expect(errors.map((error) => error.path)).toEqual(Array.from({ length: isolated }, (_, offset) => ['steps', dag.size + offset]))
    }), { numRuns: 100 })
  })

  it('reports the steps a dropped trigger root no longer reaches', () => {
    fc.assert(fc.property(dags, (dag) => {
      // Node 0 has no parents; without it among the roots, what only it reached becomes unreachable.
      const others = dag.roots.filter((root) => root !== 0)
      fc.pre(others.length > 0)
      const flow = definition({ ...dag, roots: others })
      const reached = new Set(others)
      const queue = [...others]
      for (const node of queue) for (const [from, to] of dag.edges) if (from === node && !reached.has(to)) { reached.add(to); queue.push(to) }
      const expected = dag.definitionOrder.filter((node) => !reached.has(node)).map((node) => id(node))
      const result = validateFlow(flow)
      const unreachable = result.ok ? [] : result.errors.filter((error) => error.code === 'unreachable').map((error) => (flow.steps as { id: string }[])[error.path[1] as number]?.id)
      expect(unreachable).toEqual(expected)
    }), { numRuns: 100 })
  })
})
