import { expect } from 'vitest'
import type { FlowError, FlowGraph } from '../../../../services/journeys/flows/index.js'
import { validateFlow } from '../../../../services/journeys/flows/index.js'

/** The welcome series of the flows documentation: a wait, a waitForEvent with both outcomes, and a fan-in on `done`. */
export function welcomeSeries (): Record<string, unknown> {
  return {
    name: 'Welcome series',
    trigger: { event: 'signup', where: { 'event.properties.plan': { $in: ['pro', 'team'] } }, next: ['welcome'] },
    entry: 'once',
    exit: { event: 'unsubscribed' },
    steps: [
      { id: 'welcome', type: 'email', to: '{{user.email}}', subject: 'Welcome, {{user.userName}}', text: 'Hello!', next: ['wait2d'] },
      { id: 'wait2d', type: 'wait', duration: 'P2D', next: ['booked'] },
      { id: 'booked', type: 'waitForEvent', event: 'appointment_booked', timeout: 'P1D', then: ['clinic'], else: ['remind'] },
      { id: 'remind', type: 'email', to: '{{user.email}}', subject: 'Book your first visit', text: '...', next: ['done'] },
      { id: 'clinic', type: 'webhook', url: 'https://clinic.example/hooks/booked', body: { user: '{{user.id}}' }, next: ['done'] },
      { id: 'done', type: 'webhook', url: 'https://crm.example/hooks/journey-done', body: { user: '{{user.id}}' } }
    ]
  }
}

/** A step that is valid wherever it stands: a zero wait with `next`. */
export function waitStep (id: string, next: string[] = []): Record<string, unknown> {
  return { id, type: 'wait', duration: 0, next }
}

/** A flow of zero waits, `edges` as [from, to] pairs, triggered at `roots`. */
export function waitFlow (ids: readonly string[], edges: readonly (readonly [string, string])[], roots: readonly string[] = [ids[0] ?? '']): Record<string, unknown> {
  return {
    name: 'test',
    trigger: { event: 'go', next: [...roots] },
    steps: ids.map((id) => waitStep(id, edges.filter(([from]) => from === id).map(([, to]) => to)))
  }
}

/** The errors of a definition that must be refused. */
export function errorsOf (input: unknown, options?: Parameters<typeof validateFlow>[1]): readonly FlowError[] {
  const result = validateFlow(input, options)
  if (result.ok) throw new Error('expected the flow to be refused')
  return result.errors
}

/** `[code, path]` of each error, to compare exactly. */
export function codesAndPaths (errors: readonly FlowError[]): [string, readonly (string | number)[]][] {
  return errors.map((error) => [error.code, error.path])
}

/** Every edge of a graph, as [from, to, kind]. */
export function graphEdges (graph: FlowGraph): [string, string, string][] {
  return [...graph.steps].flatMap(([from, links]) => (['next', 'then', 'else'] as const)
    .flatMap((kind) => links.children[kind].map((to): [string, string, string] => [from, to, kind])))
}

/** Asserts that `order` lists every step of `graph` once, each after all of its parents. */
export function expectTopological (order: readonly string[], graph: FlowGraph): void {
  expect([...order].sort()).toEqual([...graph.steps.keys()].sort())
  const position = new Map(order.map((id, index) => [id, index]))
  for (const [from, to] of graphEdges(graph)) {
    expect(position.get(from)).toBeLessThan(position.get(to) ?? -1)
  }
}
