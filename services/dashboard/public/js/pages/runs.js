/** Runs: filtered and paged; one run's timeline of steps and attempts, with cancel and retry. */
import { ApiError, get, post, queryParam, request, withQuery } from '../api.js'
import { badge, field, h, replaceChildren, select, table } from '../dom.js'
import { flowNames } from '../flowNames.js'
import { between, shortId, when } from '../format.js'
import { describeError, notify } from '../notice.js'
import { href } from '../router.js'

const PAGE_SIZE = 20
const statuses = ['running', 'waiting', 'completed', 'failed', 'cancelled', 'exited']
const cancellable = new Set(['running', 'waiting', 'failed'])

/** The filters in words, e.g. "Waiting runs of Welcome series for user 42". */
function describe ({ flowId, userId, status }, flowName) {
  const parts = [status === '' ? 'Runs' : `${status[0].toUpperCase()}${status.slice(1)} runs`]
  if (flowId !== '') parts.push(`of ${flowName(flowId)}`)
  if (userId !== '') parts.push(`for user ${userId}`)
  return parts.join(' ')
}

function mountList (view, query) {
  const filters = { flowId: query.get('flowId') ?? '', userId: query.get('userId') ?? '', status: query.get('status') ?? '' }
  const flowSelect = select({ id: 'runs-flow', name: 'flowId' }, [['', 'Any flow']], filters.flowId)
  const userInput = h('input', { id: 'runs-user', name: 'userId', value: filters.userId, autocomplete: 'off', maxlength: '256' })
  const statusSelect = select({ id: 'runs-status', name: 'status' }, [['', 'Any status'], ...statuses.map((s) => [s, s])], filters.status)
  const list = h('div', { class: 'run-list' })
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of runs' })
  /** The cursors of the pages before this one; the last is this page's. */
  const cursors = [undefined]
  let next

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs', onsubmit: (event) => { event.preventDefault(); apply() } },
    field('Flow', flowSelect), field('User id', userInput), field('Status', statusSelect),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'))
  view.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Runs')), form, list, pager)

  function apply () {
    // The filters live in the address, so a filtered list can be bookmarked and shared.
    window.location.hash = href('runs', undefined, { flowId: flowSelect.value, userId: userInput.value.trim(), status: statusSelect.value })
  }

  function page (delta) {
    if (delta > 0 && next !== undefined) cursors.push(next)
    if (delta < 0 && cursors.length > 1) cursors.pop()
    void refresh().catch((error) => { notify(`Could not load runs: ${describeError(error)}`, 'error') })
  }

  let flowsLoaded = false
  async function loadFlows () {
    if (flowsLoaded) return
    const flows = await get('/api/flows')
    flowsLoaded = true
    for (const flow of flows) flowSelect.append(h('option', { value: flow.id, selected: flow.id === filters.flowId }, flow.name))
  }

  async function refresh () {
    const cursor = cursors.at(-1)
    const [answer] = await Promise.all([
      request('GET', withQuery('/api/runs', { ...filters, limit: PAGE_SIZE, cursor })),
      loadFlows()
    ])
    next = queryParam(answer.next, 'cursor')
    const nameOf = await flowNames([...answer.body.map((run) => run.flowId), ...(filters.flowId === '' ? [] : [filters.flowId])])
    replaceChildren(list, table({
      caption: `${describe(filters, nameOf)}, newest first, page ${cursors.length}`,
      columns: ['Run', 'Flow', 'User', 'Status', 'Started', 'Ended'],
      rows: answer.body.map((run) => [
        h('a', { href: href('runs', run.id), 'data-run': run.id, title: run.id }, shortId(run.id)),
        h('a', { href: href('flows', run.flowId) }, `${nameOf(run.flowId)} v${run.flowVersion}`),
        run.userId,
        badge(run.status),
        when(run.startedAt),
        when(run.endedAt)
      ]),
      empty: 'No runs match these filters.'
    }))
    replaceChildren(pager,
      h('button', { type: 'button', class: 'secondary', disabled: cursors.length === 1, onclick: () => { page(-1) } }, 'Previous page'),
      h('span', { class: 'page-number' }, `Page ${cursors.length}`),
      h('button', { type: 'button', class: 'secondary', disabled: next === undefined, onclick: () => { page(1) } }, 'Next page'))
  }
  return { title: 'Runs', refresh }
}

function attemptsTable (step) {
  return table({
    caption: `Attempts of ${step.id}`,
    className: 'data attempts',
    columns: ['#', 'Started', 'Ended', 'Took', 'Outcome', 'HTTP', 'Error'],
    rows: step.attempts.map((attempt) => [
      String(attempt.n),
      when(attempt.startedAt),
      when(attempt.endedAt),
      between(attempt.startedAt, attempt.endedAt),
      attempt.outcome === undefined ? '—' : badge(attempt.outcome),
      attempt.status === undefined ? '—' : String(attempt.status),
      attempt.error === undefined ? '—' : h('span', { class: 'error-text' }, attempt.error)
    ]),
    empty: 'No attempts yet.'
  })
}

function timeline (run) {
  return h('ol', { class: 'timeline' }, run.steps.map((step) => h('li', { class: `step step-${step.status}`, 'data-step': step.id },
    h('div', { class: 'step-head' },
      h('h3', {}, step.id),
      h('span', { class: 'step-type' }, step.type),
      badge(step.status),
      step.branch === undefined ? null : h('span', { class: 'branch' }, `took ${step.branch}`)),
    step.wakeAt === undefined ? null : h('p', { class: 'wake' }, 'Next wake at ', h('time', { datetime: step.wakeAt }, when(step.wakeAt))),
    step.nextAttemptAt === undefined ? null : h('p', { class: 'wake' }, 'Next attempt at ', h('time', { datetime: step.nextAttemptAt }, when(step.nextAttemptAt))),
    step.attempts.length === 0 ? null : attemptsTable(step)
  )))
}

function mountDetail (view, id) {
  const heading = h('h1', { tabindex: '-1' }, `Run ${shortId(id)}`)
  const facts = h('div', { class: 'run-facts' })
  const actions = h('div', { class: 'actions' })
  const steps = h('section', { class: 'panel', 'aria-labelledby': 'timeline-heading' }, h('h2', { id: 'timeline-heading' }, 'Timeline'))
  const stepsBody = h('div')
  steps.append(stepsBody)
  const cancelButton = h('button', { type: 'button', class: 'danger', onclick: () => { void act('cancel') } }, 'Cancel run')
  const retryButton = h('button', { type: 'button', class: 'primary', onclick: () => { void act('retry') } }, 'Retry run')
  actions.append(cancelButton, retryButton)
  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: href('runs') }, 'All runs')),
    h('div', { class: 'page-head' }, heading, actions),
    facts,
    steps)

  async function act (action) {
    cancelButton.disabled = true
    retryButton.disabled = true
    try {
      const run = await post(`/api/runs/${encodeURIComponent(id)}/${action}`)
      notify(action === 'cancel' ? `Run ${shortId(id)} cancelled.` : `Run ${shortId(id)} is running again.`)
      render(run, await flowNames([run.flowId]))
    } catch (error) {
      notify(error instanceof ApiError && error.status === 409 ? `Cannot ${action} this run now: ${error.message}` : `Could not ${action}: ${describeError(error)}`, 'error')
      await refresh()
    }
  }

  function render (run, nameOf) {
    replaceChildren(facts, h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', { 'data-run-status': run.status }, badge(run.status)),
      h('dt', {}, 'Flow'), h('dd', {}, h('a', { href: href('flows', run.flowId) }, `${nameOf(run.flowId)} v${run.flowVersion}`)),
      h('dt', {}, 'User'), h('dd', {}, h('a', { href: href('runs', undefined, { userId: run.userId }) }, run.userId)),
      h('dt', {}, 'Event'), h('dd', {}, h('a', { href: href('events', run.eventId), title: run.eventId }, shortId(run.eventId))),
      h('dt', {}, 'Started'), h('dd', {}, when(run.startedAt)),
      h('dt', {}, 'Ended'), h('dd', {}, when(run.endedAt)),
      h('dt', {}, 'Took'), h('dd', {}, run.endedAt === undefined ? 'still going' : between(run.startedAt, run.endedAt))))
    cancelButton.disabled = !cancellable.has(run.status)
    retryButton.disabled = run.status !== 'failed'
    replaceChildren(stepsBody, timeline(run))
  }

  async function refresh () {
    const run = await get(`/api/runs/${encodeURIComponent(id)}`)
    render(run, await flowNames([run.flowId]))
  }
  return { title: `Run ${shortId(id)}`, refresh }
}

export function mountRuns (view, route) {
  return route.id === undefined ? mountList(view, route.query) : mountDetail(view, route.id)
}
