/**
 * The dashboard in a real browser (the system's Chromium, headless) against a gateway started in
 * this process with its built-in mocks. `UPDATE_SCREENSHOTS=1` also rewrites docs/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { request } from 'undici'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { loadConfig } from '../../services/config.js'
import { startServer } from '../../services/server.js'
import type { RunningServer } from '../../services/server.js'
import { accessibilityViolations, launchChromium, screenshot, viewports, watch } from './browser.js'
import type { PageWatch } from './browser.js'
import { eventually } from '../helpers/eventually.js'

const adminToken = 'dashboard-admin-token-for-tests'
/** How long a run may take to reach the state a test waits for, in milliseconds. */
const runDeadlineMs = 20_000

let server: RunningServer
/** Set once the server has started, so that a failed start leaves nothing to close. */
let closeServer: (() => Promise<boolean>) | undefined
let browser: Browser | undefined
/** A browser context that has logged in, shared by the tests that need a session. */
let session: BrowserContext

async function api (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number, json: unknown }> {
  const response = await request(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.body.text()
  return { status: response.statusCode, json: text === '' ? undefined : JSON.parse(text) as unknown }
}

/** Saves a flow through the API; resolves the id the engine gave it. */
async function createFlow (definition: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/api/flows', definition)
  expect(created.status, JSON.stringify(created.json)).toBe(201)
  return (created.json as { id: string }).id
}

/** Triggers `name` for `userId` through the API; resolves the id of the one run it started. */
async function trigger (name: string, userId: string, properties: Record<string, unknown> = {}, email = `${userId}@example.com`): Promise<{ eventId: string, runIds: string[] }> {
  const answer = await api('POST', '/api/trigger-event', { name, userId, email, properties })
  expect(answer.status, JSON.stringify(answer.json)).toBe(202)
  const body = answer.json as { eventId: string, runs: { runId: string }[] }
  return { eventId: body.eventId, runIds: body.runs.map((run) => run.runId) }
}

async function setEmailScenario (name: 'down' | 'healthy'): Promise<void> {
  const mock = server.mock
  if (mock === undefined) throw new Error('the built-in mocks are not running')
  const answer = await request(`${mock.url}/__mock/email/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  await answer.body.dump()
  expect(answer.statusCode).toBe(204)
}

async function logIn (page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Log in' }).click()
}

/** A page of the logged-in session, watched for console errors and dialogs. */
async function openPage (path: string): Promise<{ page: Page, watched: PageWatch }> {
  const page = await session.newPage()
  const watched = watch(page)
  await page.goto(`${server.url}${path}`)
  return { page, watched }
}

/** Waits for the run page's status to read `status`. */
async function runReaches (page: Page, status: string): Promise<void> {
  await page.locator(`[data-run-status="${status}"]`).waitFor({ timeout: runDeadlineMs })
}

beforeAll(async () => {
  server = await startServer(loadConfig({
    PORT: '0',
    MOCKS_PORT: '0',
    DATA_DIR: 'memory://',
    ADMIN_TOKEN: adminToken,
    // The dashboard polls every 2 s from several pages at once in these tests.
    RATE_LIMIT_ADMIN_MAX: '100000'
  }), pino({ level: 'silent' }))
  closeServer = server.close
  await server.app.journeys.ready
  const webhooks = server.mock?.webhooksUrl ?? ''
  await createFlow({
    name: 'Quick hello',
    trigger: { event: 'quick_signup', next: ['hello'] },
    entry: 'always',
    steps: [
      { id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hello', text: 'Hello there', next: ['tell-crm'] },
      { id: 'tell-crm', type: 'webhook', url: `${webhooks}/crm/hello`, body: { user: '{{user.id}}' } }
    ]
  })
  await createFlow({
    name: 'Long hold',
    trigger: { event: 'hold_requested', next: ['hold'] },
    entry: 'always',
    steps: [
      { id: 'hold', type: 'wait', duration: 'PT1H', next: ['after-hold'] },
      { id: 'after-hold', type: 'email', to: '{{user.email}}', subject: 'Later', text: 'An hour later' }
    ]
  })
  await createFlow({
    name: 'Fragile notice',
    trigger: { event: 'notice_requested', next: ['notice'] },
    entry: 'always',
    steps: [{ id: 'notice', type: 'email', to: '{{user.email}}', subject: 'Notice', text: 'A notice', retry: { attempts: 1 } }]
  })

  browser = await launchChromium()
  session = await browser.newContext({ viewport: viewports.desktop })
  const page = await session.newPage()
  await page.goto(`${server.url}/dashboard/`)
  await logIn(page, adminToken)
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  await page.close()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await closeServer?.()
}, 30_000)

// Runs go through the real engine and queue in real time: a test waits up to runDeadlineMs for one.
describe('the dashboard', { timeout: 30_000 }, () => {
  it('shows only the login page without a session, the API answers 401, and logging in and out changes that', async () => {
    const context = await browser!.newContext({ viewport: viewports.desktop })
    try {
      const page = await context.newPage()
      const dialogs = watch(page).dialogs
      await page.goto(`${server.url}/dashboard/`)
      await page.waitForURL(/\/dashboard\/login\.html/)
      await page.getByLabel('Admin token').waitFor()
      expect(await page.locator('nav[aria-label="Main"]').count()).toBe(0)
      const apiStatus = await page.evaluate(async () => (await fetch('/api/runs')).status)
      expect(apiStatus).toBe(401)

      await logIn(page, 'not-the-admin-token-at-all')
      await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor()
      expect(page.url()).toMatch(/\/dashboard\/login\.html/)

      await logIn(page, adminToken)
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
      expect(await page.evaluate(async () => (await fetch('/api/runs')).status)).toBe(200)

      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForURL(/\/dashboard\/login\.html/)
      expect(await page.evaluate(async () => (await fetch('/api/runs')).status)).toBe(401)
      expect(dialogs).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('triggers a flow for a user from its page, and the run appears and completes', async () => {
    const { page, watched } = await openPage('/dashboard/#/flows')
    await page.getByRole('link', { name: 'Quick hello', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Quick hello' }).waitFor()
    // The graph: the trigger and both steps, as SVG nodes.
    await page.locator('svg.flow-graph [data-step="tell-crm"]').waitFor()
    expect(await page.locator('svg.flow-graph .node').count()).toBe(3)

    await page.getByLabel('User id').fill('ada')
    await page.getByLabel('Email (optional)').fill('ada@example.com')
    expect(await page.getByLabel('Event name').inputValue()).toBe('quick_signup')
    await page.getByRole('button', { name: 'Trigger' }).click()
    const started = page.locator('.trigger-result a[data-run]')
    await started.waitFor()
    const runId = await started.getAttribute('data-run')
    expect(runId).toMatch(/^[\w-]{8,}$/)

    // The list of the flow's runs picks it up by polling, and shows it completed.
    const row = page.locator('.recent-runs tr', { has: page.locator(`a[data-run="${runId}"]`) })
    await row.getByText('completed').waitFor({ timeout: runDeadlineMs })

    await started.click()
    await runReaches(page, 'completed')
    const steps = await page.locator('.timeline [data-step]').all()
    expect(await Promise.all(steps.map((step) => step.getAttribute('data-step')))).toEqual(['hello', 'tell-crm'])
    expect(await page.locator('.timeline [data-step="hello"] .badge').first().textContent()).toBe('succeeded')
    expect(server.mock?.email.received().sent.some((email) => email.to === 'ada@example.com')).toBe(true)
    expect(watched.errors).toEqual([])
  })

  it('disables and enables a flow from the list: while disabled it starts no run', async () => {
    const { page, watched } = await openPage('/dashboard/#/flows')
    const row = page.locator('.flow-list tbody tr', { has: page.getByRole('link', { name: 'Long hold', exact: true }) })
    await row.getByText('enabled', { exact: true }).waitFor()

    await page.getByRole('button', { name: 'Disable Long hold' }).click()
    await row.getByText('disabled', { exact: true }).waitFor()
    const answer = await api('POST', '/api/trigger-event', { name: 'hold_requested', userId: 'edsger' })
    expect(answer.json).toMatchObject({ runs: [], skipped: [{ reason: 'disabled' }] })

    await page.getByRole('button', { name: 'Enable Long hold' }).click()
    await row.getByText('enabled', { exact: true }).waitFor()
    const { runIds } = await trigger('hold_requested', 'edsger')
    expect(runIds).toHaveLength(1)
    expect(watched.errors).toEqual([])
  })

  it('shows on each node of a flow\'s graph how many runs are at that step now', async () => {
    const { runIds: [runId] } = await trigger('hold_requested', 'barbara')
    const flows = (await api('GET', '/api/flows')).json as { id: string, name: string }[]
    const flowId = flows.find((flow) => flow.name === 'Long hold')?.id ?? ''
    const waiting = await eventually('the run waits at hold', async () => {
      const run = (await api('GET', `/api/runs/${runId ?? ''}`)).json as { steps: { id: string, status: string }[] }
      if (run.steps.find((step) => step.id === 'hold')?.status !== 'waiting') return undefined
      return ((await api('GET', `/api/flows/${flowId}/steps`)).json as { steps: { hold?: { waiting: number } } }).steps.hold?.waiting
    }, runDeadlineMs)
    expect(waiting).toBeGreaterThan(0)

    const { page, watched } = await openPage(`/dashboard/#/flows/${flowId}`)
    const hold = page.locator('svg.flow-graph [data-step="hold"]')
    await hold.locator('.node-type').filter({ hasText: `wait · ${waiting} waiting` }).waitFor()
    expect(await hold.getAttribute('class')).toContain('node-busy')
    expect(await page.locator('svg.flow-graph [data-step="after-hold"] .node-type').textContent()).toBe('email')
    expect(watched.errors).toEqual([])
  })

  it('cancels a waiting run from its page', async () => {
    const { runIds: [runId] } = await trigger('hold_requested', 'grace')
    const { page, watched } = await openPage(`/dashboard/#/runs/${runId}`)
    await runReaches(page, 'waiting')
    await page.locator('.timeline [data-step="hold"]').getByText('Next wake at').waitFor()

    await page.getByRole('button', { name: 'Cancel run' }).click()
    await runReaches(page, 'cancelled')
    await page.getByRole('status').filter({ hasText: 'cancelled' }).waitFor()
    expect(await page.getByRole('button', { name: 'Cancel run' }).isDisabled()).toBe(true)
    const stored = await api('GET', `/api/runs/${runId}`)
    expect(stored.json).toMatchObject({ status: 'cancelled' })
    expect(watched.errors).toEqual([])
  })

  it('filters runs by user and status, and pages through them', async () => {
    // One more run than a page holds (the dashboard asks for 20), each waiting an hour.
    for (let i = 0; i < 21; i++) await trigger('hold_requested', 'pager')
    const { page, watched } = await openPage('/dashboard/#/runs')
    await page.getByLabel('User id').fill('pager')
    await page.getByLabel('Status').selectOption('waiting')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/#\/runs\?userId=pager&status=waiting$/)
    const rows = page.locator('.run-list tbody tr')
    await page.getByText('Waiting runs for user pager, newest first, page 1').waitFor()
    expect(await rows.count()).toBe(20)
    for (const status of await page.locator('.run-list td[data-label="Status"]').allTextContents()) expect(status).toBe('waiting')
    expect(new Set(await page.locator('.run-list td[data-label="User"]').allTextContents())).toEqual(new Set(['pager']))

    await page.getByRole('button', { name: 'Next page' }).click()
    await page.getByText('Waiting runs for user pager, newest first, page 2').waitFor()
    expect(await rows.count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Previous page' }).click()
    await page.getByText('Waiting runs for user pager, newest first, page 1').waitFor()
    expect(await rows.count()).toBe(20)
    expect(watched.errors).toEqual([])
  })

  it('retries a failed run once the email provider has recovered', async () => {
    await setEmailScenario('down')
    let runId: string | undefined
    try {
      ;({ runIds: [runId] } = await trigger('notice_requested', 'linus'))
      const { page, watched } = await openPage(`/dashboard/#/runs/${runId}`)
      await runReaches(page, 'failed')
      // The failed attempt, with the provider's status.
      const attempt = page.locator('.timeline [data-step="notice"] table.attempts tbody tr').first()
      await attempt.getByRole('cell', { name: '503', exact: true }).waitFor()
      expect(await page.getByRole('button', { name: 'Retry run' }).isEnabled()).toBe(true)
      const failedAttempts = await page.locator('.timeline [data-step="notice"] table.attempts tbody tr').count()

      await setEmailScenario('healthy')
      await page.getByRole('button', { name: 'Retry run' }).click()
      await runReaches(page, 'completed')
      // Another attempt after the failed ones, and it succeeded.
      const attempts = page.locator('.timeline [data-step="notice"] table.attempts tbody tr')
      expect(await attempts.count()).toBeGreaterThan(failedAttempts)
      expect(await attempts.last().locator('td[data-label="Outcome"]').textContent()).toBe('succeeded')
      expect(await page.getByRole('button', { name: 'Retry run' }).isDisabled()).toBe(true)
      expect(watched.errors).toEqual([])
    } finally {
      await setEmailScenario('healthy')
    }
  })

  it('shows an event\'s properties as text: markup in them never runs', async () => {
    const hostile = '<script>alert(1)</script>'
    const hostileUser = '<img src=x onerror=alert(2)>'
    const { eventId } = await trigger('quick_signup', hostileUser, { note: hostile }, 'hostile@example.com')
    const { page, watched } = await openPage(`/dashboard/#/events?userId=${encodeURIComponent(hostileUser)}`)
    const row = page.locator('.event-list tbody tr', { has: page.locator(`a[data-event="${eventId}"]`) })
    await row.waitFor()
    expect(await row.locator('code.props').textContent()).toContain(hostile)
    expect(await row.textContent()).toContain(hostileUser)
    expect(await row.textContent()).toContain('started Quick hello')

    await row.getByRole('link', { name: 'quick_signup' }).click()
    await page.locator('pre.json').waitFor()
    expect(JSON.parse(await page.locator('pre.json').textContent() ?? '')).toEqual({ note: hostile })
    // Nothing of it became an element.
    expect(await page.locator('main script, main img').count()).toBe(0)
    expect(watched.dialogs).toEqual([])
    expect(watched.errors).toEqual([])
  })

  it('shows the overview over the window chosen, with runs by status and the queue', async () => {
    const { page, watched } = await openPage('/dashboard/#/overview')
    await page.getByText(/\d+ events in the last hour, per minute/).waitFor()
    const completed = Number(await page.locator('dd[data-status="completed"]').textContent())
    expect(completed).toBeGreaterThan(0)
    expect(await page.locator('dd[data-queue="deferred"]').textContent()).toMatch(/^\d+$/)
    // The runs that completed made steps: they are charted per minute, succeeded and failed.
    const stepsChart = page.locator('figure', { has: page.locator('figcaption', { hasText: /^Steps per / }) })
    expect(await stepsChart.locator('figcaption').textContent()).toBe('Steps per minute')
    expect(await stepsChart.locator('canvas').getAttribute('aria-label')).toMatch(/^Steps per minute: [1-9]\d* succeeded and \d+ failed in the last hour, per minute$/)

    await page.getByLabel('Window').selectOption('week')
    await page.getByText(/\d+ events in the last week, per day/).waitFor()
    expect(await page.locator('figcaption').first().textContent()).toBe('Events per day')
    // The chart carries the same summary as its accessible name.
    expect(await page.locator('canvas').first().getAttribute('aria-label')).toMatch(/^Events per day: \d+ events in the last week/)
    expect(await stepsChart.locator('figcaption').textContent()).toBe('Steps per day')
    expect(await stepsChart.locator('canvas').getAttribute('aria-label')).toMatch(/^Steps per day: [1-9]\d* succeeded and \d+ failed in the last week, per day$/)
    // The per-type figures stay, as a table.
    expect(await page.getByRole('table', { name: 'Attempts started in the last week, per step type' }).locator('tbody tr').count()).toBeGreaterThan(0)
    expect(watched.errors).toEqual([])
  })

  it('shows in the Breaker card the breaker of each outbound destination, the email provider\'s and the webhooks\'', async () => {
    const { page, watched } = await openPage('/dashboard/#/overview')
    await page.getByRole('region', { name: 'Breaker' }).getByText('event.com').waitFor()
    const shown = await eventually('the card shows what /health says', async () => {
      const health = (await api('GET', '/health')).json as { journeys: { destinations: { origin: string, state: string }[] } }
      const expected = health.journeys.destinations.map((destination) => [destination.origin, destination.state])
      const items = await page.locator('.card[aria-label="Breaker"] dd[data-origin]').all()
      const rendered = await Promise.all(items.map(async (item) => [await item.getAttribute('data-origin') ?? '', await item.locator('.badge').textContent() ?? '']))
      return JSON.stringify(rendered) === JSON.stringify(expected) ? rendered : undefined
    }, runDeadlineMs)
    // Earlier tests sent emails and webhooks: both mocks' origins have breakers now.
    expect(shown.map(([origin]) => origin)).toEqual(expect.arrayContaining([new URL(server.mock?.webhooksUrl ?? '').origin]))
    expect(shown.length).toBeGreaterThan(0)
    expect(watched.errors).toEqual([])
  })

  it('has every page free of console errors and of serious accessibility problems, at both sizes', async () => {
    const { runIds: [runId], eventId } = await trigger('quick_signup', 'screens')
    const pages = [
      ['overview', '#/overview', 'Overview'],
      ['flows', '#/flows', 'Flows'],
      ['flow', '#/flows/welcome-series', 'Welcome series'],
      ['runs', '#/runs', 'Runs'],
      ['run', `#/runs/${runId}`, undefined],
      ['events', '#/events', 'Events'],
      ['event', `#/events/${eventId}`, 'Event quick_signup']
    ] as const
    const { page, watched } = await openPage('/dashboard/')
    const findings: Record<string, unknown> = {}
    for (const [size, viewport] of Object.entries(viewports)) {
      await page.setViewportSize(viewport)
      for (const [name, hash, heading] of pages) {
        await page.goto(`${server.url}/dashboard/${hash}`)
        if (heading === undefined) await runReaches(page, 'completed')
        else await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor()
        // Loaded: the page's first refresh has filled its tables or charts.
        await page.locator('main table, main .empty, main .facts, main svg').first().waitFor()
        const violations = await accessibilityViolations(page)
        if (violations.length > 0) findings[`${name} (${size})`] = violations
        const notice = page.locator('.notice-error')
        if (await notice.count() > 0) findings[`${name} (${size}) notice`] = await notice.textContent()
        const png = await screenshot(page, `${name}-${size}`)
        // Nothing wider than the viewport: the full-page capture (PNG width, bytes 16–19) is exactly as wide.
        const width = png.readUInt32BE(16)
        if (width !== viewport.width) findings[`${name} (${size}) width`] = width
      }
    }
    const login = await browser!.newPage({ viewport: viewports.desktop })
    const loginWatch = watch(login)
    await login.goto(`${server.url}/dashboard/login.html`)
    for (const [size, viewport] of Object.entries(viewports)) {
      await login.setViewportSize(viewport)
      const violations = await accessibilityViolations(login)
      if (violations.length > 0) findings[`login (${size})`] = violations
      await screenshot(login, `login-${size}`)
    }
    await login.close()
    expect(findings).toEqual({})
    expect(watched.errors).toEqual([])
    expect(loginWatch.errors).toEqual([])
  }, 60_000)
})
