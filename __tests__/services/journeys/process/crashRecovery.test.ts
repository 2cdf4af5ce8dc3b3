import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { request } from 'undici'
import { startMocks } from '../../../../mocks/bridge.js'
import type { RunningMocks } from '../../../../mocks/bridge.js'
import { eventually } from '../../../helpers/eventually.js'
import { startGatewayProcess } from '../../../helpers/gatewayProcess.js'
import type { GatewayProcess } from '../../../helpers/gatewayProcess.js'
import { backends, createPostgresDatabase } from '../../../helpers/journeyDatabases.js'
import type { Backend } from '../../../helpers/journeyDatabases.js'

/**
 * The engine's durability, proven with real processes killed with SIGKILL: a wait outlives the
 * process, and a call cut off mid-flight is made again (same Idempotency-Key) once the step's
 * recovery time has passed, with nothing after it run twice.
 */

/** The parts of the API's answers these tests read. */
interface Answer {
  readonly status?: string
  readonly runs?: readonly { readonly runId: string }[]
  readonly steps?: readonly { readonly id: string, readonly status: string, readonly attempts: readonly { readonly outcome: string }[] }[]
  readonly journeys?: { readonly state: string }
}

async function json (url: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<{ status: number, body: Answer }> {
  const response = await request(url, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  })
  return { status: response.statusCode, body: await response.body.json() as Answer }
}

let mocks: RunningMocks
beforeAll(async () => { mocks = await startMocks() })
afterAll(async () => { await mocks.close() })

/** Where a process keeps its journeys: a folder of its own, or a PostgreSQL database of its own. */
async function storage (backend: Backend): Promise<Record<string, string>> {
  if (backend === 'postgres') {
    const created = await createPostgresDatabase()
    onTestFinished(created.drop)
    return { DATABASE_URL: created.url }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-crash-'))
  onTestFinished(() => { rmSync(dataDir, { recursive: true, force: true }) })
  return { DATA_DIR: dataDir, DATABASE_URL: '' }
}

function gateway (env: Record<string, string>): GatewayProcess {
  const started = startGatewayProcess({
    PORT: '0',
    EVENT_SERVICE_URL: mocks.url,
    EMAIL_API_URL: mocks.emailUrl,
    STEP_TIMEOUT_MS: '1000',
    STEP_RECOVERY_MS: '6000',
    // These tests poll a run faster than the admin quota's 60 calls a minute allow.
    RATE_LIMIT_ADMIN_MAX: '0',
    ...env
  })
  onTestFinished(async () => { await started.kill('SIGKILL') })
  return started
}

/** A webhook call to `${path}/<user>`, then an email: what follows a call must run once, whatever befalls the call. */
function callThenEmail (event: string, path: string): Record<string, unknown> {
  return {
    name: `a call, then an email (${event})`,
    trigger: { event, next: ['call'] },
    entry: 'always',
    steps: [
      { id: 'call', type: 'webhook', url: `${mocks.webhooksUrl}/${path}/{{user.id}}`, next: ['then'] },
      { id: 'then', type: 'email', to: '{{user.email}}', subject: 'After the call', text: 'Once' }
    ]
  }
}

/** The run, once the gateway at `url` has completed it. */
function completed (url: string, runId: string, withinMs: number): Promise<Answer> {
  return eventually('the run completes after the restart', async () => {
    const { body } = await json(`${url}/api/runs/${runId}`)
    return body.status === 'completed' ? body : undefined
  }, withinMs, 100)
}

describe.each(backends)('a gateway process killed on %s', (backend) => {
  it('keeps a run waiting through the crash: after a restart the wait ends and the rest runs once', async () => {
    const env = await storage(backend)
    const user = `crash-wait-${backend}-${Date.now()}`
    const first = gateway(env)
    const url = await first.ready()
    const flow = await json(`${url}/api/flows`, 'POST', {
      name: 'survives a crash',
      trigger: { event: 'crash-wait', next: ['hello'] },
      entry: 'always',
      steps: [
        { id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hello', text: 'Before the crash', next: ['pause'] },
        { id: 'pause', type: 'wait', duration: 3000, next: ['after'] },
        { id: 'after', type: 'webhook', url: `${mocks.webhooksUrl}/after/{{user.id}}` }
      ]
    })
    expect(flow.status).toBe(201)
    const trigger = await json(`${url}/api/trigger-event`, 'POST', { name: 'crash-wait', userId: user, email: `${user}@example.com` })
    expect(trigger.status).toBe(202)
    const runId = trigger.body.runs?.[0]?.runId ?? ''
    await eventually('the run is waiting', async () => (await json(`${url}/api/runs/${runId}`)).body.status === 'waiting' ? true : undefined)

    expect(await first.kill('SIGKILL')).toBeNull()
    const second = gateway(env)
    const again = await second.ready()
    const run = await completed(again, runId, 30_000)
    expect(run.steps?.map((step) => [step.id, step.status])).toEqual([['hello', 'succeeded'], ['pause', 'succeeded'], ['after', 'succeeded']])
    expect(mocks.email.received().sent.filter((email) => email.to === `${user}@example.com`)).toHaveLength(1)
    expect(mocks.webhooks.received().requests.filter((hook) => hook.path === `/after/${user}`)).toHaveLength(1)
  }, 120_000)

  it('makes a call cut off by the crash again, with the same Idempotency-Key, and runs what follows once', async () => {
    const env = await storage(backend)
    const user = `crash-call-${backend}-${Date.now()}`
    const first = gateway(env)
    const url = await first.ready()
    const created = await json(`${url}/api/flows`, 'POST', callThenEmail('crash-call', 'cut'))
    expect(created.status).toBe(201)
    mocks.webhooks.setScenario({ name: 'hanging' })
    onTestFinished(() => { mocks.webhooks.setScenario({ name: 'healthy' }) })
    const trigger = await json(`${url}/api/trigger-event`, 'POST', { name: 'crash-call', userId: user, email: `${user}@example.com` })
    const runId = trigger.body.runs?.[0]?.runId ?? ''
    await eventually('the call reaches the receiver', () => mocks.webhooks.received().requests.some((hook) => hook.path === `/cut/${user}`) ? true : undefined)

    await first.kill('SIGKILL')
    mocks.webhooks.setScenario({ name: 'healthy' })
    const second = gateway(env)
    const again = await second.ready()
    const run = await completed(again, runId, 40_000)

    const calls = mocks.webhooks.received().requests.filter((hook) => hook.path === `/cut/${user}`)
    expect(calls).toHaveLength(2)
    expect(calls[0]?.headers['idempotency-key']).toBe(`${runId}:call`)
    expect(calls[1]?.headers['idempotency-key']).toBe(`${runId}:call`)
    const call = run.steps?.find((step) => step.id === 'call')
    expect(call?.attempts.map((attempt) => attempt.outcome)).toEqual(['interrupted', 'succeeded'])
    expect(mocks.email.received().sent.filter((email) => email.to === `${user}@example.com`)).toHaveLength(1)
  }, 120_000)
})

describe('a second process on the same DATA_DIR', () => {
  it('refuses to start, naming the folder and the process that holds it', async () => {
    const env = await storage('pglite')
    const first = gateway(env)
    await first.ready()
    const second = gateway(env)
    expect(await second.exited).toBe(1)
    const fatal = second.lines.find((line) => line.level === 60)
    expect(fatal?.msg).toContain(`is in use by process ${String(first.child.pid)}`)
    expect(fatal?.msg).toContain(env.DATA_DIR)
    // The first is unharmed.
    const health = await json(`${await first.listening}/health`)
    expect(health.body.journeys?.state).toBe('ready')
  }, 120_000)
})

describe('a gateway process stopped with SIGTERM', () => {
  it('lets the call in flight finish, records it, exits 0, and does not make it again after a restart', async () => {
    const env = await storage('pglite')
    const user = `graceful-${Date.now()}`
    const first = gateway(env)
    const url = await first.ready()
    const created = await json(`${url}/api/flows`, 'POST', callThenEmail('graceful', 'graceful'))
    expect(created.status).toBe(201)
    // Slower than the SIGTERM that follows, well within STEP_TIMEOUT_MS.
    mocks.webhooks.setScenario({ name: 'slow', delayMs: 700 })
    onTestFinished(() => { mocks.webhooks.setScenario({ name: 'healthy' }) })
    const trigger = await json(`${url}/api/trigger-event`, 'POST', { name: 'graceful', userId: user, email: `${user}@example.com` })
    const runId = trigger.body.runs?.[0]?.runId ?? ''
    await eventually('the call reaches the receiver', () => mocks.webhooks.received().requests.some((hook) => hook.path === `/graceful/${user}`) ? true : undefined)

    const code = await first.kill('SIGTERM')
    expect(code).toBe(0)
    mocks.webhooks.setScenario({ name: 'healthy' })
    const second = gateway(env)
    const again = await second.ready()
    const run = await completed(again, runId, 30_000)

    const call = run.steps?.find((step) => step.id === 'call')
    // Finished before the process exited: one attempt, succeeded, not one cut off.
    expect(call?.attempts.map((attempt) => attempt.outcome)).toEqual(['succeeded'])
    expect(mocks.webhooks.received().requests.filter((hook) => hook.path === `/graceful/${user}`)).toHaveLength(1)
    expect(mocks.email.received().sent.filter((email) => email.to === `${user}@example.com`)).toHaveLength(1)
  }, 120_000)
})
