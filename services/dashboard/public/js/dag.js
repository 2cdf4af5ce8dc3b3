/** A flow's steps as a graph: laid out by dagre (global `dagre`), drawn as SVG elements. */
import { svg } from './dom.js'

const NODE_WIDTH = 168
const NODE_HEIGHT = 56
const TRIGGER = '\u0000trigger'

/** The edges of a definition: `[from, to, kind]`, kind '' for `next`, 'then' or 'else'. */
export function flowEdges (definition) {
  const edges = []
  for (const to of definition.trigger?.next ?? []) edges.push([TRIGGER, to, ''])
  for (const step of definition.steps ?? []) {
    for (const to of step.next ?? []) edges.push([step.id, to, ''])
    for (const to of step.then ?? []) edges.push([step.id, to, 'then'])
    for (const to of step.else ?? []) edges.push([step.id, to, 'else'])
  }
  return edges
}

/** How many runs are at a step, in words ("2 waiting", "1 running, 3 waiting"); undefined when none. */
export function atStep (count) {
  const parts = []
  if ((count?.running ?? 0) > 0) parts.push(`${count.running} running`)
  if ((count?.waiting ?? 0) > 0) parts.push(`${count.waiting} waiting`)
  return parts.length === 0 ? undefined : parts.join(', ')
}

/** Text that fits a node: long ids are cut, the full id stays in the node's title. */
function fit (text, max = 20) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function pathOf (points) {
  return points.map((point, i) => `${i === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ')
}

/**
 * The SVG of a flow's graph: each step's node shows its id and type; the trigger's shows the event
 * and, given `active`, how many runs are still going. `steps` (optional) maps a step id to how many
 * active runs are at it now, `{running, waiting}` as GET /api/flows/:id/steps reports them.
 */
export function drawFlow (definition, { active, steps: counts = {} } = {}) {
  const graph = new window.dagre.graphlib.Graph({ multigraph: true })
  graph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 44, marginx: 12, marginy: 12 })
  graph.setDefaultEdgeLabel(() => ({}))
  graph.setNode(TRIGGER, { width: NODE_WIDTH, height: NODE_HEIGHT, label: definition.trigger?.event ?? 'trigger', type: 'trigger' })
  for (const step of definition.steps ?? []) {
    graph.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT, label: step.id, type: step.type })
  }
  flowEdges(definition).forEach(([from, to, kind], i) => {
    if (graph.hasNode(to)) graph.setEdge(from, to, { kind, width: kind === '' ? 0 : 30, height: kind === '' ? 0 : 16, labelpos: 'c' }, `e${i}`)
  })
  window.dagre.layout(graph)

  const { width, height } = graph.graph()
  const stepCount = (definition.steps ?? []).length
  const root = svg('svg', {
    class: 'flow-graph',
    viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
    width: Math.ceil(width),
    role: 'img',
    'aria-labelledby': 'flow-graph-title'
  },
  svg('title', { id: 'flow-graph-title' }, `Graph of the flow: its trigger ${definition.trigger?.event ?? ''} and ${stepCount} steps`),
  svg('defs', {},
    svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' })))
  )

  for (const e of graph.edges()) {
    const edge = graph.edge(e)
    const group = svg('g', { class: `edge${edge.kind === '' ? '' : ` edge-${edge.kind}`}` },
      svg('path', { d: pathOf(edge.points), 'marker-end': 'url(#arrow)' }))
    if (edge.kind !== '') {
      group.append(
        svg('rect', { class: 'edge-label-bg', x: edge.x - 18, y: edge.y - 9, width: 36, height: 18, rx: 4 }),
        svg('text', { class: 'edge-label', x: edge.x, y: edge.y + 4, 'text-anchor': 'middle' }, edge.kind))
    }
    root.append(group)
  }

  for (const id of graph.nodes()) {
    const node = graph.node(id)
    const x = node.x - node.width / 2
    const y = node.y - node.height / 2
    const isTrigger = id === TRIGGER
    const here = isTrigger ? undefined : atStep(counts[id])
    const group = svg('g', { class: `node node-${isTrigger ? 'trigger' : 'step'}${here === undefined ? '' : ' node-busy'}`, 'data-step': isTrigger ? null : id },
      svg('title', {}, isTrigger ? `Trigger: event ${node.label}${active === undefined ? '' : `, ${active} runs going`}` : `Step ${id} (${node.type})${here === undefined ? '' : `: runs here now, ${here}`}`),
      svg('rect', { x, y, width: node.width, height: node.height, rx: 8 }),
      svg('text', { class: 'node-id', x: node.x, y: y + 22, 'text-anchor': 'middle' }, fit(isTrigger ? `on ${node.label}` : id)),
      svg('text', { class: 'node-type', x: node.x, y: y + 42, 'text-anchor': 'middle' },
        isTrigger ? (active === undefined ? 'trigger' : `trigger · ${active} going`) : here === undefined ? node.type : fit(`${node.type} · ${here}`, 26))
    )
    root.append(group)
  }
  return root
}
