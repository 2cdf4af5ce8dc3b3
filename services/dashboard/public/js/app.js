/** The dashboard's shell: the session, the hash router and polling of the visible page. */
import { loadSession, logOut } from './api.js'
import { attachNotices, clearNotice, describeError, notify } from './notice.js'
import { parseRoute } from './router.js'
import { mountOverview } from './pages/overview.js'
import { mountFlows } from './pages/flows.js'
import { mountRuns } from './pages/runs.js'
import { mountEvents } from './pages/events.js'

/** How often the visible page refreshes, in milliseconds. */
const POLL_MS = 2000

const pages = {
  overview: { title: 'Overview', mount: mountOverview },
  flows: { title: 'Flows', mount: mountFlows },
  runs: { title: 'Runs', mount: mountRuns },
  events: { title: 'Events', mount: mountEvents }
}

const view = document.getElementById('view')
let current
let timer

function markNav (page) {
  for (const link of document.querySelectorAll('nav[aria-label="Main"] a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
}

/** Refreshes the page; resolves how long to wait before the next poll, in milliseconds. */
async function refresh (mounted) {
  try {
    await mounted.refresh()
    if (mounted.failing === true) clearNotice()
    mounted.failing = false
    return POLL_MS
  } catch (error) {
    // A page left while its refresh was under way says nothing about the page shown now.
    if (error?.status === 401 || mounted !== current) return POLL_MS
    mounted.failing = true
    notify(`Could not refresh: ${describeError(error)}`, 'error')
    // Over a quota (or the engine unavailable): wait as long as the gateway asks.
    return Math.max(POLL_MS, (error?.retryAfterSeconds ?? 0) * 1000)
  }
}

function schedule (mounted, delayMs = POLL_MS) {
  clearTimeout(timer)
  timer = setTimeout(async () => {
    if (mounted !== current) return
    // Only the visible page of a visible tab polls.
    const next = document.visibilityState === 'visible' ? await refresh(mounted) : POLL_MS
    if (mounted === current) schedule(mounted, next)
  }, delayMs)
}

async function show () {
  const route = parseRoute(window.location.hash)
  const page = pages[route.page] ?? pages.overview
  current?.unmount?.()
  clearTimeout(timer)
  clearNotice()
  view.replaceChildren()
  markNav(pages[route.page] === undefined ? 'overview' : route.page)
  const mounted = page.mount(view, route)
  current = mounted
  document.title = `${mounted.title ?? page.title} · Event gateway`
  view.querySelector('h1')?.focus({ preventScroll: true })
  const next = await refresh(mounted)
  if (mounted === current) schedule(mounted, next)
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && current !== undefined) void refresh(current)
})

async function start () {
  attachNotices(document.getElementById('notice'))
  const session = await loadSession()
  if (session === undefined) return
  // Without ADMIN_TOKEN this machine is the credential: there is nothing to log out of.
  const logout = document.getElementById('logout')
  logout.hidden = session.mode === 'loopback'
  logout.addEventListener('click', () => {
    logout.disabled = true
    logOut().catch((error) => {
      logout.disabled = false
      notify(`Could not log out: ${describeError(error)}`, 'error')
    })
  })
  window.addEventListener('hashchange', () => { void show() })
  await show()
}

start().catch((error) => { notify(`The dashboard could not start: ${describeError(error)}`, 'error') })
