/** Events: trigger events filtered by name, user and time, each with the runs it started and the flows it skipped. */
import { get, queryParam, request, withQuery } from '../api.js'
import { flowNames } from '../flowNames.js'
import { badge, field, h, replaceChildren, table } from '../dom.js'
import { shortId, when } from '../format.js'
import { describeError, notify } from '../notice.js'
import { href } from '../router.js'

const PAGE_SIZE = 20
/** How much of an event's properties a list row shows. */
const PREVIEW_CHARS = 120

/** A datetime-local input's value as an ISO timestamp (the browser's zone), or '' when empty. */
function isoOf (local) {
  if (local === '') return ''
  const date = new Date(local)
  return Number.isNaN(date.getTime()) ? '' : date.toISOString()
}

/** An ISO timestamp as a datetime-local value, in the browser's zone. */
function localOf (iso) {
  if (iso === '' || iso === null) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return shifted.toISOString().slice(0, 16)
}

function preview (properties) {
  const text = JSON.stringify(properties ?? {})
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text
}

function flowIdsOf (event) {
  return [...(event.runs ?? []), ...(event.skipped ?? [])].map((item) => item.flowId)
}

function outcomes (event, nameOf) {
  const items = []
  for (const run of event.runs ?? []) {
    const runId = run.id ?? run.runId
    items.push(h('li', {}, 'started ', h('a', { href: href('runs', runId), 'data-run': runId }, `${nameOf(run.flowId)} (${shortId(runId)})`), run.status === undefined ? null : [' ', badge(run.status)]))
  }
  for (const skip of event.skipped ?? []) items.push(h('li', {}, `skipped ${nameOf(skip.flowId)}: ${skip.reason}`))
  for (const runId of event.exited ?? []) items.push(h('li', {}, 'ended ', h('a', { href: href('runs', runId) }, shortId(runId)), ' by its exit rule'))
  return items.length === 0 ? h('span', { class: 'muted' }, 'no flow') : h('ul', { class: 'plain' }, items)
}

function mountList (view, query) {
  const filters = { name: query.get('name') ?? '', userId: query.get('userId') ?? '', from: query.get('from') ?? '', to: query.get('to') ?? '' }
  const nameInput = h('input', { id: 'events-name', name: 'name', value: filters.name, autocomplete: 'off', maxlength: '256' })
  const userInput = h('input', { id: 'events-user', name: 'userId', value: filters.userId, autocomplete: 'off', maxlength: '256' })
  const fromInput = h('input', { id: 'events-from', name: 'from', type: 'datetime-local', value: localOf(filters.from) })
  const toInput = h('input', { id: 'events-to', name: 'to', type: 'datetime-local', value: localOf(filters.to) })
  const list = h('div', { class: 'event-list' })
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of events' })
  const cursors = [undefined]
  let next

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter events', onsubmit: (event) => { event.preventDefault(); apply() } },
    field('Event name', nameInput), field('User id', userInput), field('From', fromInput), field('To', toInput),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'))
  view.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Events')), form, list, pager)

  function apply () {
    window.location.hash = href('events', undefined, { name: nameInput.value.trim(), userId: userInput.value.trim(), from: isoOf(fromInput.value), to: isoOf(toInput.value) })
  }

  function page (delta) {
    if (delta > 0 && next !== undefined) cursors.push(next)
    if (delta < 0 && cursors.length > 1) cursors.pop()
    void refresh().catch((error) => { notify(`Could not load events: ${describeError(error)}`, 'error') })
  }

  async function refresh () {
    const answer = await request('GET', withQuery('/api/events', { ...filters, limit: PAGE_SIZE, cursor: cursors.at(-1) }))
    const nameOf = await flowNames(answer.body.flatMap(flowIdsOf))
    next = queryParam(answer.next, 'cursor')
    replaceChildren(list, table({
      caption: `Trigger events, newest first, page ${cursors.length}`,
      columns: ['Event', 'User', 'Received', 'Properties', 'Runs and flows'],
      rows: answer.body.map((event) => [
        h('a', { href: href('events', event.id), 'data-event': event.id, title: event.id }, event.name),
        event.userId,
        when(event.receivedAt),
        h('code', { class: 'props' }, preview(event.properties)),
        outcomes(event, nameOf)
      ]),
      empty: 'No events match these filters.'
    }))
    replaceChildren(pager,
      h('button', { type: 'button', class: 'secondary', disabled: cursors.length === 1, onclick: () => { page(-1) } }, 'Previous page'),
      h('span', { class: 'page-number' }, `Page ${cursors.length}`),
      h('button', { type: 'button', class: 'secondary', disabled: next === undefined, onclick: () => { page(1) } }, 'Next page'))
  }
  return { title: 'Events', refresh }
}

function mountDetail (view, id) {
  const heading = h('h1', { tabindex: '-1' }, `Event ${shortId(id)}`)
  const body = h('div')
  view.append(h('p', { class: 'crumbs' }, h('a', { href: href('events') }, 'All events')), h('div', { class: 'page-head' }, heading), body)

  async function refresh () {
    const event = await get(`/api/events/${encodeURIComponent(id)}`)
    const nameOf = await flowNames(flowIdsOf(event))
    heading.textContent = `Event ${event.name}`
    replaceChildren(body,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Id'), h('dd', {}, h('code', {}, event.id)),
        h('dt', {}, 'User'), h('dd', {}, h('a', { href: href('runs', undefined, { userId: event.userId }) }, event.userId)),
        h('dt', {}, 'Source'), h('dd', {}, event.source),
        h('dt', {}, 'State'), h('dd', {}, badge(event.state)),
        h('dt', {}, 'Occurred'), h('dd', {}, when(event.occurredAt)),
        h('dt', {}, 'Received'), h('dd', {}, when(event.receivedAt))),
      h('section', { class: 'panel', 'aria-labelledby': 'outcome-heading' }, h('h2', { id: 'outcome-heading' }, 'Runs and flows'), outcomes(event, nameOf)),
      h('section', { class: 'panel', 'aria-labelledby': 'props-heading' }, h('h2', { id: 'props-heading' }, 'Properties'),
        h('pre', { class: 'json', tabindex: '0' }, JSON.stringify(event.properties, null, 2))))
  }
  return { title: `Event ${shortId(id)}`, refresh }
}

export function mountEvents (view, route) {
  return route.id === undefined ? mountList(view, route.query) : mountDetail(view, route.id)
}
