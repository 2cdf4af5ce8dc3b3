import { describe, expect, it } from 'vitest'
import { initialProgress, progress, runStatusOf } from '../../../../services/journeys/engine/progress.js'
import type { Edge, FlowGraphView, StepState } from '../../../../services/journeys/engine/progress.js'

/** A graph from edges written as `from>to` (`^` is the trigger), `from>to:then` for a branch's edge. */
function graph (...edges: string[]): FlowGraphView {
  const parents = new Map<string, Edge[]>()
  const children = new Map<string, string[]>()
  const roots: string[] = []
  for (const text of edges) {
    const [from = '', rest = ''] = text.split('>')
    const [to = '', kind = 'next'] = rest.split(':')
    parents.set(to, [...parents.get(to) ?? [], { from: from === '^' ? null : from, kind: kind as Edge['kind'] }])
    if (from === '^') roots.push(to)
    else children.set(from, [...children.get(from) ?? [], to])
  }
  return { roots, parents: (id) => parents.get(id) ?? [], children: (id) => children.get(id) ?? [] }
}

function states (entries: Record<string, StepState['status'] | [StepState['status'], 'then' | 'else']>): Map<string, StepState> {
  return new Map(Object.entries(entries).map(([id, value]) => [id, Array.isArray(value) ? { status: value[0], branch: value[1] } : { status: value }]))
}

describe('progress', () => {
  it('starts a run at the trigger\'s children', () => {
    expect(initialProgress(graph('^>a', '^>b', 'a>c'))).toEqual({ activate: ['a', 'b'], skip: [] })
  })

  it('activates a child once its only parent succeeded', () => {
    const g = graph('^>a', 'a>b')
    expect(progress(g, states({ a: 'succeeded', b: 'pending' }), ['a'])).toEqual({ activate: ['b'], skip: [] })
  })

  it('runs a fan-in step once, when its last parent settles', () => {
    const g = graph('^>a', '^>b', 'a>c', 'b>c')
    expect(progress(g, states({ a: 'succeeded', b: 'running', c: 'pending' }), ['a'])).toEqual({ activate: [], skip: [] })
    expect(progress(g, states({ a: 'succeeded', b: 'succeeded', c: 'pending' }), ['b'])).toEqual({ activate: ['c'], skip: [] })
    // Already started by the other parent's settling: not again.
    expect(progress(g, states({ a: 'succeeded', b: 'succeeded', c: 'queued' }), ['a'])).toEqual({ activate: [], skip: [] })
  })

  it('follows the edge a branch took and skips the other side, transitively', () => {
    const g = graph('^>x', 'x>yes:then', 'x>no:else', 'no>after-no', 'yes>end', 'after-no>end')
    const result = progress(g, states({ x: ['succeeded', 'then'], yes: 'pending', no: 'pending', 'after-no': 'pending', end: 'pending' }), ['x'])
    expect(result).toEqual({ activate: ['yes'], skip: ['no', 'after-no'] })
  })

  it('runs a fan-in after a branch when one parent ran and the other was skipped', () => {
    const g = graph('^>x', 'x>yes:then', 'x>no:else', 'yes>end', 'no>end')
    expect(progress(g, states({ x: ['succeeded', 'else'], yes: 'skipped', no: 'succeeded', end: 'pending' }), ['no'])).toEqual({ activate: ['end'], skip: [] })
  })

  it('skips a step whose parents were all skipped', () => {
    const g = graph('^>x', 'x>a:then', 'x>b:then', 'a>c', 'b>c')
    expect(progress(g, states({ x: ['succeeded', 'else'], a: 'pending', b: 'pending', c: 'pending' }), ['x'])).toEqual({ activate: [], skip: ['a', 'b', 'c'] })
  })

  it('waits while a parent failed: a failed step settles nothing', () => {
    const g = graph('^>a', 'a>b')
    expect(progress(g, states({ a: 'failed', b: 'pending' }), ['a'])).toEqual({ activate: [], skip: [] })
  })
})

describe('runStatusOf', () => {
  it.each([
    [{ a: 'failed', b: 'running' }, 'failed'],
    [{ a: 'queued', b: 'waiting' }, 'running'],
    [{ a: 'running' }, 'running'],
    [{ a: 'waiting', b: 'succeeded' }, 'waiting'],
    [{ a: 'succeeded', b: 'skipped' }, 'completed']
  ] as const)('%j → %s', (steps, status) => {
    expect(runStatusOf(states(steps).values())).toBe(status)
  })
})
