/** Flows: the list with version, entry, state and run counts; one flow's graph, switch and sample trigger. */
import { get, post, withQuery } from '../api.js'
import { drawFlow } from '../dag.js'
import { flowNames } from '../flowNames.js'
import { badge, field, h, replaceChildren, table } from '../dom.js'
import { counts, shortId, when } from '../format.js'
import { describeError, notify } from '../notice.js'
import { href } from '../router.js'

/** How many of a flow's newest runs its page lists. */
const RECENT_RUNS = 10
/**
 * The flow itself (definition, state, counts, runs at each step) is read every this many polls, its runs every poll:
 * what changes often is read often, and the rest a third as often, to keep each open page's calls few.
 */
const FLOW_EVERY_POLLS = 3

async function toggle (flow, after) {
  const action = flow.enabled ? 'disable' : 'enable'
  try {
    await post(`/api/flows/${encodeURIComponent(flow.id)}/${action}`)
    notify(`Flow ${flow.name} ${action}d.`)
  } catch (error) {
    notify(`Could not ${action} ${flow.name}: ${describeError(error)}`, 'error')
  }
  await after()
}

function toggleButton (flow, after) {
  return h('button', {
    type: 'button',
    class: flow.enabled ? 'secondary' : 'primary',
    'aria-label': `${flow.enabled ? 'Disable' : 'Enable'} ${flow.name}`,
    onclick: (event) => {
      event.currentTarget.disabled = true
      void toggle(flow, after)
    }
  }, flow.enabled ? 'Disable' : 'Enable')
}

function mountList (view) {
  const list = h('div', { class: 'flow-list' })
  view.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Flows')), list)

  async function refresh () {
    const flows = await get('/api/flows')
    replaceChildren(list, table({
      caption: 'Flows that are not archived, newest version',
      columns: ['Flow', 'Trigger', 'Version', 'Entry', 'State', 'Runs', ''],
      rows: flows.map((flow) => [
        h('a', { href: href('flows', flow.id) }, flow.name),
        h('code', {}, flow.trigger),
        String(flow.version),
        flow.entry,
        badge(flow.enabled ? 'enabled' : 'disabled'),
        h('a', { href: href('runs', undefined, { flowId: flow.id }), 'aria-label': `Runs of ${flow.name}: ${counts(flow.runs)}` }, counts(flow.runs)),
        toggleButton(flow, refresh)
      ]),
      empty: 'No flows yet: create one with POST /api/flows.'
    }))
  }
  return { title: 'Flows', refresh }
}

/** The flow's runs still going (running or waiting), for its graph's trigger node. */
function activeRuns (flow) {
  return (flow.runs.running ?? 0) + (flow.runs.waiting ?? 0)
}

function mountDetail (view, id) {
  const heading = h('h1', { tabindex: '-1' }, id)
  const summary = h('div', { class: 'flow-summary' })
  const graph = h('div', { class: 'graph-scroll' })
  const runs = h('div', { class: 'recent-runs' })
  const result = h('div', { class: 'trigger-result', 'aria-live': 'polite' })
  const userInput = h('input', { id: 'trigger-user', name: 'userId', required: true, autocomplete: 'off', maxlength: '256' })
  const emailInput = h('input', { id: 'trigger-email', name: 'email', type: 'email', autocomplete: 'off', maxlength: '320' })
  const eventInput = h('input', { id: 'trigger-event', name: 'name', required: true, autocomplete: 'off', maxlength: '256' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Trigger')
  let shownDefinition

  const form = h('form', { class: 'trigger-form', 'aria-labelledby': 'trigger-heading', onsubmit: (event) => { event.preventDefault(); void trigger() } },
    h('h2', { id: 'trigger-heading' }, 'Trigger a sample for a user'),
    h('p', { class: 'hint' }, 'Sends the flow\'s trigger event for this user, as POST /api/trigger-event would.'),
    h('div', { class: 'fields' },
      field('User id', userInput),
      field('Email (optional)', emailInput),
      field('Event name', eventInput)),
    submit,
    result)

  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: href('flows') }, 'All flows')),
    h('div', { class: 'page-head' }, heading, summary),
    h('div', { class: 'flow-layout' },
      h('section', { 'aria-labelledby': 'graph-heading', class: 'panel' }, h('h2', { id: 'graph-heading' }, 'Steps'), graph),
      h('div', { class: 'side' }, h('section', { class: 'panel' }, form),
        h('section', { 'aria-labelledby': 'runs-heading', class: 'panel' }, h('h2', { id: 'runs-heading' }, 'Newest runs'), runs)))
  )

  async function trigger () {
    submit.disabled = true
    const body = { name: eventInput.value.trim(), userId: userInput.value.trim() }
    if (emailInput.value.trim() !== '') body.email = emailInput.value.trim()
    try {
      const answer = await post('/api/trigger-event', body)
      const nameOf = await flowNames([...answer.runs, ...answer.skipped].map((item) => item.flowId))
      const started = answer.runs.map((run) => h('li', {}, 'Started run ', h('a', { href: href('runs', run.runId), 'data-run': run.runId }, shortId(run.runId)), ` of ${nameOf(run.flowId)} v${run.flowVersion}`))
      const skipped = answer.skipped.map((skip) => h('li', {}, `Skipped ${nameOf(skip.flowId)}: ${skip.reason}`))
      replaceChildren(result, h('ul', { class: 'plain' }, started, skipped, started.length + skipped.length === 0 ? h('li', {}, 'No flow is triggered by this event.') : null))
      await reread()
    } catch (error) {
      replaceChildren(result, h('p', { class: 'error-text' }, `Not triggered: ${describeError(error)}`))
    } finally {
      submit.disabled = false
    }
  }

  let polls = 0
  let flowStale = true

  async function refresh () {
    const readFlow = flowStale || polls % FLOW_EVERY_POLLS === 0
    polls += 1
    const [flow, atSteps, recent] = await Promise.all([
      readFlow ? get(`/api/flows/${encodeURIComponent(id)}`) : undefined,
      readFlow ? get(`/api/flows/${encodeURIComponent(id)}/steps`) : undefined,
      get(withQuery('/api/runs', { flowId: id, limit: RECENT_RUNS }))
    ])
    renderRuns(recent)
    if (flow === undefined) return
    flowStale = false
    renderFlow(flow, atSteps.steps)
  }

  function renderFlow (flow, steps) {
    heading.textContent = flow.name
    document.title = `${flow.name} · Flows · Event gateway`
    if (eventInput.value === '' && document.activeElement !== eventInput) eventInput.value = flow.trigger
    replaceChildren(summary,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Id'), h('dd', {}, h('code', {}, flow.id)),
        h('dt', {}, 'Version'), h('dd', {}, String(flow.version)),
        h('dt', {}, 'Trigger'), h('dd', {}, h('code', {}, flow.trigger)),
        h('dt', {}, 'Entry'), h('dd', {}, flow.entry),
        h('dt', {}, 'Exit'), h('dd', {}, flow.definition.exit?.event === undefined ? '—' : h('code', {}, flow.definition.exit.event)),
        h('dt', {}, 'State'), h('dd', {}, badge(flow.enabled ? 'enabled' : 'disabled'), ' ', toggleButton(flow, reread)),
        h('dt', {}, 'Runs'), h('dd', {}, counts(flow.runs))))
    const active = activeRuns(flow)
    const key = JSON.stringify([flow.shownVersion, active, steps])
    // Redrawn only when the version or a count changes, so the graph does not flicker every poll.
    if (key !== shownDefinition) {
      shownDefinition = key
      replaceChildren(graph, drawFlow(flow.definition, { active, steps }))
    }
  }

  function reread () {
    flowStale = true
    return refresh()
  }

  function renderRuns (recent) {
    replaceChildren(runs, table({
      caption: `The ${RECENT_RUNS} newest runs of this flow`,
      columns: ['Run', 'User', 'Status', 'Started'],
      rows: recent.map((run) => [h('a', { href: href('runs', run.id), 'data-run': run.id }, shortId(run.id)), run.userId, badge(run.status), when(run.startedAt)]),
      empty: 'No runs yet.'
    }), h('p', {}, h('a', { href: href('runs', undefined, { flowId: id }) }, 'All runs of this flow')))
  }
  return { title: id, refresh }
}

export function mountFlows (view, route) {
  return route.id === undefined ? mountList(view) : mountDetail(view, route.id)
}
