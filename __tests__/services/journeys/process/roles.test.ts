import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { request } from 'undici'
import { startMocks } from '../../../../mocks/bridge.js'
import type { RunningMocks } from '../../../../mocks/bridge.js'
import { eventually } from '../../../helpers/eventually.js'
import { startGatewayProcess } from '../../../helpers/gatewayProcess.js'
import type { GatewayProcess } from '../../../helpers/gatewayProcess.js'
import { backends, createPostgresDatabase } from '../../../helpers/journeyDatabases.js'
import { postgresProxy } from '../../../helpers/postgresProxy.js'

/**
 * ROLE=api and ROLE=worker processes on one PostgreSQL, as real processes: api processes record
 * and enqueue, worker processes run the steps, and the guarantees hold across them: once-only
 * entry, each step sent once, a crashed worker's call made again elsewhere with the same
 * Idempotency-Key, an exit on an api process aborting the call a worker has in flight, and
 * PostgreSQL going away and coming back.
 */

interface Answer {
  readonly status?: string
  readonly code?: string
  readonly id?: string
  readonly runs?: readonly { readonly runId: string }[]
  readonly skipped?: readonly { readonly reason: string }[]
  readonly exited?: readonly string[]
  readonly steps?: readonly { readonly id: string, readonly status: string, readonly attempts: readonly { readonly outcome: string | null }[] }[]
  readonly journeys?: { readonly state: string, readonly workers?: string, readonly queue?: { readonly ready: number, readonly deferred: number, readonly active: number } }
  readonly ready?: boolean
}

async function json (url: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<{ status: number, type: string, body: Answer & Answer[] }> {
  const response = await request(url, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  })
  const text = await response.body.text()
  return { status: response.statusCode, type: String(response.headers['content-type']), body: (text === '' ? {} : JSON.parse(text)) as Answer & Answer[] }
}

let mocks: RunningMocks
beforeAll(async () => { mocks = await startMocks() })
afterAll(async () => { await mocks.close() })

const onPostgres = backends.includes('postgres')

/** Saves a flow through an api process; its id. */
async function saveFlow (apiUrl: string | undefined, definition: Record<string, unknown>): Promise<string> {
  if (apiUrl === undefined) throw new Error('no api process')
  const created = await json(`${apiUrl}/api/flows`, 'POST', definition)
  expect(created.status).toBe(201)
  return created.body.id ?? ''
}

/** The webhook receiver answers as `scenario` says until the test ends. */
function receiverAnswers (scenario: Parameters<RunningMocks['webhooks']['setScenario']>[0]): void {
  mocks.webhooks.setScenario(scenario)
  onTestFinished(() => { mocks.webhooks.setScenario({ name: 'healthy' }) })
}

/** Saves a flow of one webhook call that takes 1.5 s, triggers it for `user`, and resolves with the run's id once the call has reached the receiver. */
async function startSlowCall (apiUrl: string, tag: string, user: string): Promise<string> {
  await saveFlow(apiUrl, {
    name: 'one slow call',
    trigger: { event: tag, next: ['call'] },
    entry: 'always',
    steps: [{ id: 'call', type: 'webhook', url: `${mocks.webhooksUrl}/${tag}/{{user.id}}` }]
  })
  receiverAnswers({ name: 'slow', delayMs: 1500 })
  const trigger = await json(`${apiUrl}/api/trigger-event`, 'POST', { name: tag, userId: user })
  await eventually('the call reaches the receiver', () => callsTo(`/${tag}/${user}`).length === 1 ? true : undefined, 30_000)
  return trigger.body.runs?.[0]?.runId ?? ''
}

function gateway (role: 'api' | 'worker', databaseUrl: string, env: Record<string, string> = {}): GatewayProcess {
  return startGatewayProcess({
    PORT: '0',
    ROLE: role,
    DATABASE_URL: databaseUrl,
    EVENT_SERVICE_URL: mocks.url,
    EMAIL_API_URL: mocks.emailUrl,
    STEP_TIMEOUT_MS: '20000',
    STEP_RECOVERY_MS: '25000',
    RATE_LIMIT_ADMIN_MAX: '0',
    RATE_LIMIT_EVENT_MAX: '0',
    ...env
  })
}

async function database (): Promise<string> {
  const created = await createPostgresDatabase()
  onTestFinished(created.drop)
  return created.url
}

/** The gateway processes a test starts, killed when it ends. */
function started (processes: GatewayProcess[]): GatewayProcess[] {
  onTestFinished(async () => { await Promise.all(processes.map((one) => one.kill('SIGKILL'))) })
  return processes
}

const attemptsEnded = (process: GatewayProcess): number => process.lines.filter((line) => line.msg === 'step attempt ended').length
const callsTo = (path: string): ReturnType<RunningMocks['webhooks']['received']>['requests'] =>
  mocks.webhooks.received().requests.filter((hook) => hook.path === path)

describe.runIf(onPostgres)('api and worker processes on one PostgreSQL', () => {
  let url = ''
  let drop: () => Promise<void> = () => Promise.resolve()
  let apis: GatewayProcess[] = []
  let workers: GatewayProcess[] = []
  const apiUrls: string[] = []
  const workerUrls: string[] = []

  beforeAll(async () => {
    const created = await createPostgresDatabase()
    url = created.url
    drop = created.drop
    // The first one migrates the empty database; the others start on it side by side.
    apis = [gateway('api', url)]
    apiUrls.push(await apis[0]!.ready())
    apis.push(gateway('api', url), gateway('api', url))
    // Few steps at once each: a burst of steps needs both workers.
    workers = [gateway('worker', url, { STEP_CONCURRENCY: '4' }), gateway('worker', url, { STEP_CONCURRENCY: '4' })]
    apiUrls.push(...await Promise.all(apis.slice(1).map((one) => one.ready())))
    workerUrls.push(...await Promise.all(workers.map((one) => one.ready())))
  }, 120_000)
  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((one) => one.kill('SIGKILL')))
    await drop()
  }, 30_000)

  it('starts one run of a once-only flow for 100 concurrent events of one user spread over 3 api processes', async () => {
    const user = `once-${Date.now()}`
    const flow = await json(`${apiUrls[0]}/api/flows`, 'POST', {
      name: 'once across processes',
      trigger: { event: 'once-across', next: ['pause'] },
      entry: 'once',
      steps: [{ id: 'pause', type: 'wait', duration: 'P1D' }]
    })
    expect(flow.status).toBe(201)
    // The other api processes learn of the new flow through the database's notification.
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      json(`${apiUrls[i % 3]}/api/trigger-event`, 'POST', { id: `${user}-${i}`, name: 'once-across', userId: user })))
    expect(answers.map((answer) => answer.status).every((status) => status === 202)).toBe(true)
    const started = answers.filter((answer) => answer.body.runs?.length === 1)
    expect(started).toHaveLength(1)
    expect(answers.filter((answer) => answer.body.skipped?.[0]?.reason === 'already-entered')).toHaveLength(99)
    const runs = await json(`${apiUrls[1]}/api/runs?flowId=${flow.body.id ?? ''}`)
    expect(runs.body).toHaveLength(1)
    expect(runs.body[0]?.id).toBe(started[0]?.body.runs?.[0]?.runId)
  }, 60_000)

  it('runs each step once on the worker processes, none on the api processes, each call sent once', async () => {
    const tag = `once-sent-${Date.now()}`
    const flowId = await saveFlow(apiUrls[0], {
      name: 'one slow call',
      trigger: { event: tag, next: ['call'] },
      entry: 'always',
      steps: [{ id: 'call', type: 'webhook', url: `${mocks.webhooksUrl}/${tag}/{{user.id}}` }]
    })
    receiverAnswers({ name: 'slow', delayMs: 200 })
    const before = workers.map(attemptsEnded)
    const users = Array.from({ length: 40 }, (_, i) => `${tag}-u${i}`)
    const triggers = await Promise.all(users.map((user, i) => json(`${apiUrls[i % 3]}/api/trigger-event`, 'POST', { name: tag, userId: user })))
    expect(triggers.every((answer) => answer.status === 202 && answer.body.runs?.length === 1)).toBe(true)
    const runIds = triggers.map((answer) => answer.body.runs?.[0]?.runId ?? '')

    await eventually('every run completes', async () => {
      const page = await json(`${apiUrls[0]}/api/runs?flowId=${flowId}&status=completed&limit=100`)
      return page.body.length === users.length ? true : undefined
    }, 60_000, 200)
    const keys = mocks.webhooks.received().requests.filter((hook) => hook.path.startsWith(`/${tag}/`)).map((hook) => hook.headers['idempotency-key'])
    expect(keys.toSorted()).toEqual(runIds.map((runId) => `${runId}:call`).toSorted())
    // Both workers took some; no api process ran any.
    const after = workers.map(attemptsEnded)
    expect(after[0]! - before[0]!).toBeGreaterThan(0)
    expect(after[1]! - before[1]!).toBeGreaterThan(0)
    expect((after[0]! - before[0]!) + (after[1]! - before[1]!)).toBe(users.length)
    expect(apis.map(attemptsEnded)).toEqual([0, 0, 0])
  }, 90_000)

  it('aborts the call a worker has in flight when an api process handles the run\'s exit event', async () => {
    const tag = `exit-${Date.now()}`
    const user = `${tag}-user`
    await saveFlow(apiUrls[0], {
      name: 'a call that hangs, and an exit',
      trigger: { event: `${tag}-start`, next: ['call'] },
      exit: { event: `${tag}-leave` },
      entry: 'always',
      steps: [{ id: 'call', type: 'webhook', url: `${mocks.webhooksUrl}/${tag}/{{user.id}}` }]
    })
    receiverAnswers({ name: 'hanging' })
    const trigger = await json(`${apiUrls[0]}/api/trigger-event`, 'POST', { name: `${tag}-start`, userId: user })
    const runId = trigger.body.runs?.[0]?.runId ?? ''
    await eventually('the call reaches the receiver', () => callsTo(`/${tag}/${user}`).length === 1 ? true : undefined, 30_000)

    const exit = await json(`${apiUrls[1]}/api/trigger-event`, 'POST', { name: `${tag}-leave`, userId: user })
    expect(exit.status).toBe(202)
    expect(exit.body.exited).toEqual([runId])
    // Well before STEP_TIMEOUT_MS (20 s) could end it: the attempt is closed as cancelled by the worker that made it.
    const run = await eventually('the worker aborts the call', async () => {
      const { body } = await json(`${apiUrls[2]}/api/runs/${runId}`)
      const attempts = body.steps?.find((step) => step.id === 'call')?.attempts ?? []
      return attempts[0]?.outcome === 'cancelled' ? body : undefined
    }, 10_000, 100)
    expect(run.status).toBe('exited')
    expect(workers.some((worker) => worker.lines.some((line) => line.msg === 'run ended: its call in flight here aborted' && line.runId === runId))).toBe(true)
    expect(callsTo(`/${tag}/${user}`)).toHaveLength(1)
  }, 60_000)

  it('serves only /health, /ready and /metrics on a worker process, a 404 problem for everything else', async () => {
    const worker = workerUrls[0] ?? ''
    const health = await json(`${worker}/health`)
    expect(health.status).toBe(200)
    expect(health.body.journeys).toMatchObject({ state: 'ready', workers: 'running' })
    expect(Object.keys(health.body).toSorted()).toEqual(['journeys', 'status'])
    expect((await json(`${worker}/ready`)).body.ready).toBe(true)
    const metrics = await request(`${worker}/metrics`)
    expect(metrics.statusCode).toBe(200)
    expect(await metrics.body.text()).toContain('journey_steps_total')
    const elsewhere: [string, 'GET' | 'POST', unknown?][] = [
      ['/api/flows', 'GET'], ['/api/trigger-event', 'POST', { name: 'x', userId: 'u' }], ['/getEventsByUserId/u1', 'GET'],
      ['/addEvent', 'POST', { name: 'x', userId: 'u' }], ['/dashboard', 'GET'], ['/docs/json', 'GET']
    ]
    for (const [path, method, body] of elsewhere) {
      const answer = await json(`${worker}${path}`, method, body)
      expect([path, answer.status, answer.type, answer.body.code]).toEqual([path, 404, expect.stringMatching(/^application\/problem\+json/), 'GW_ERR_ROUTE_NOT_FOUND'])
    }
    // An api process runs no steps, and says so.
    expect((await json(`${apiUrls[0]}/health`)).body.journeys).toMatchObject({ state: 'ready', workers: 'stopped' })
  }, 30_000)
})

describe.runIf(onPostgres)('a worker process killed mid-step', () => {
  it('leaves the call to another worker, which makes it again with the same Idempotency-Key within the recovery time', async () => {
    const url = await database()
    const tag = `killed-${Date.now()}`
    const user = `${tag}-user`
    // The recovery time, not the step's timeout, must bring the call back: the timeout is longer than the test.
    const env = { STEP_TIMEOUT_MS: '30000', STEP_RECOVERY_MS: '35000' }
    const [api, first] = started([gateway('api', url, env), gateway('worker', url, env)])
    const apiUrl = await api!.ready()
    await first!.ready()
    await saveFlow(apiUrl, {
      name: 'a call, then an email',
      trigger: { event: tag, next: ['call'] },
      entry: 'always',
      steps: [
        { id: 'call', type: 'webhook', url: `${mocks.webhooksUrl}/${tag}/{{user.id}}`, next: ['then'] },
        { id: 'then', type: 'email', to: '{{user.email}}', subject: 'After the call', text: 'Once' }
      ]
    })
    receiverAnswers({ name: 'hanging' })
    const trigger = await json(`${apiUrl}/api/trigger-event`, 'POST', { name: tag, userId: user, email: `${user}@example.com` })
    const runId = trigger.body.runs?.[0]?.runId ?? ''
    await eventually('the first worker makes the call', () => callsTo(`/${tag}/${user}`).length === 1 ? true : undefined, 30_000)
    // The second worker starts only now, so the first is the one holding the call.
    const [second] = started([gateway('worker', url, env)])
    await second!.ready()

    expect(await first!.kill('SIGKILL')).toBeNull()
    const killedAt = Date.now()
    mocks.webhooks.setScenario({ name: 'healthy' })
    await eventually('the second worker makes the call again', () => callsTo(`/${tag}/${user}`).length === 2 ? true : undefined, 60_000, 200)
    expect(Date.now() - killedAt).toBeLessThan(60_000)
    const calls = callsTo(`/${tag}/${user}`)
    expect(calls.map((call) => call.headers['idempotency-key'])).toEqual([`${runId}:call`, `${runId}:call`])
    const run = await eventually('the run completes', async () => {
      const { body } = await json(`${apiUrl}/api/runs/${runId}`)
      return body.status === 'completed' ? body : undefined
    }, 30_000, 200)
    expect(run.steps?.find((step) => step.id === 'call')?.attempts.map((attempt) => attempt.outcome)).toEqual(['interrupted', 'succeeded'])
    expect(attemptsEnded(second!)).toBe(2)
    expect(mocks.email.received().sent.filter((email) => email.to === `${user}@example.com`)).toHaveLength(1)
  }, 150_000)
})

describe.runIf(onPostgres)('a worker process stopped with SIGTERM', () => {
  it('lets its call in flight finish, records it and exits 0; no other worker makes the call again', async () => {
    const url = await database()
    const tag = `drain-${Date.now()}`
    const user = `${tag}-user`
    const [api, first] = started([gateway('api', url), gateway('worker', url)])
    const apiUrl = await api!.ready()
    await first!.ready()
    const runId = await startSlowCall(apiUrl, tag, user)
    const [second] = started([gateway('worker', url)])
    await second!.ready()

    expect(await first!.kill('SIGTERM')).toBe(0)
    const { body: run } = await json(`${apiUrl}/api/runs/${runId}`)
    expect(run.status).toBe('completed')
    expect(run.steps?.[0]?.attempts.map((attempt) => attempt.outcome)).toEqual(['succeeded'])
    expect(attemptsEnded(first!)).toBe(1)
    // Nothing is left for the second worker to recover.
    const { body: health } = await json(`${apiUrl}/health`)
    expect(health.journeys?.queue).toEqual({ ready: 0, deferred: 0, active: 0 })
    expect(callsTo(`/${tag}/${user}`)).toHaveLength(1)
  }, 120_000)
})

describe.runIf(onPostgres)('PostgreSQL away and back', () => {
  it('refuses trigger events with 503 while it is away, accepts them again after, and the workers carry on with what was recorded', async () => {
    const proxy = await postgresProxy()
    onTestFinished(proxy.close)
    const url = proxy.urlFor(await database())
    const tag = `away-${Date.now()}`
    const env = { STEP_TIMEOUT_MS: '1000', STEP_RECOVERY_MS: '6000' }
    const [api, worker] = started([gateway('api', url, env), gateway('worker', url, env)])
    onTestFinished((context) => {
      if (context.task.result?.state === 'fail') for (const line of [...api!.lines, ...worker!.lines].slice(-80)) process.stderr.write(`${JSON.stringify(line)}\n`)
    })
    const apiUrl = await api!.ready()
    await worker!.ready()
    await saveFlow(apiUrl, {
      name: 'a wait across the outage, then a call',
      trigger: { event: tag, next: ['pause'] },
      entry: 'always',
      steps: [
        { id: 'pause', type: 'wait', duration: 3000, next: ['call'] },
        { id: 'call', type: 'webhook', url: `${mocks.webhooksUrl}/${tag}/{{user.id}}` }
      ]
    })
    const before = await json(`${apiUrl}/api/trigger-event`, 'POST', { name: tag, userId: `${tag}-before` })
    expect(before.status).toBe(202)
    // The wait's wake falls due no later than this, measured from after its run was recorded.
    const wakeDueBy = performance.now() + 3000

    await proxy.cut()
    const refused = await eventually('trigger events are refused', async () => {
      const answer = await json(`${apiUrl}/api/trigger-event`, 'POST', { name: tag, userId: `${tag}-refused` })
      return answer.status === 503 ? answer : undefined
    }, 20_000, 100)
    expect(refused.type).toMatch(/^application\/problem\+json/)
    expect(refused.body.code).toBe('GW_ERR_JOURNEYS_UNAVAILABLE')
    // Away for longer than the wait, refusing every trigger meanwhile: its wake falls due during the outage.
    await eventually('the wait fell due while PostgreSQL was away', async () => {
      const again = await json(`${apiUrl}/api/trigger-event`, 'POST', { name: tag, userId: `${tag}-refused` })
      expect([again.status, again.body.code]).toEqual([503, 'GW_ERR_JOURNEYS_UNAVAILABLE'])
      return performance.now() > wakeDueBy + 500 ? true : undefined
    }, 20_000, 200)
    expect(callsTo(`/${tag}/${tag}-before`)).toHaveLength(0)

    await proxy.restore()
    const after = await eventually('trigger events are accepted again', async () => {
      const answer = await json(`${apiUrl}/api/trigger-event`, 'POST', { id: `${tag}-after`, name: tag, userId: `${tag}-after` })
      return answer.status === 202 || answer.status === 200 ? answer : undefined
    }, 30_000, 200)
    expect(after.body.runs).toHaveLength(1)
    await eventually('the worker runs both calls', () =>
      callsTo(`/${tag}/${tag}-before`).length === 1 && callsTo(`/${tag}/${tag}-after`).length === 1 ? true : undefined, 60_000, 200)
    for (const user of [`${tag}-before`, `${tag}-after`]) {
      const runId = (user.endsWith('before') ? before : after).body.runs?.[0]?.runId ?? ''
      const run = await eventually(`${user}'s run completes`, async () => {
        const { body } = await json(`${apiUrl}/api/runs/${runId}`)
        return body.status === 'completed' ? body : undefined
      }, 30_000, 200)
      expect(run.steps?.map((step) => step.status)).toEqual(['succeeded', 'succeeded'])
    }
    expect(callsTo(`/${tag}/${tag}-refused`)).toHaveLength(0)
  }, 150_000)

  it('records a call that ended while the database was away for a moment once it is back, and does not make it again', async () => {
    const proxy = await postgresProxy()
    onTestFinished(proxy.close)
    const url = proxy.urlFor(await database())
    const tag = `blip-${Date.now()}`
    const user = `${tag}-user`
    const env = { STEP_TIMEOUT_MS: '5000', STEP_RECOVERY_MS: '10000' }
    const [api, worker] = started([gateway('api', url, env), gateway('worker', url, env)])
    const apiUrl = await api!.ready()
    await worker!.ready()
    const runId = await startSlowCall(apiUrl, tag, user)

    // Away while the call ends, back before the job's recovery time.
    await proxy.cut()
    await eventually('the worker could not record the outcome', () =>
      worker!.lines.some((line) => line.msg === 'could not record the attempt\'s outcome; trying again') ? true : undefined, 10_000, 50)
    await proxy.restore()
    const run = await eventually('the run completes', async () => {
      const { body } = await json(`${apiUrl}/api/runs/${runId}`)
      return body.status === 'completed' ? body : undefined
    }, 30_000, 200)
    expect(run.steps?.[0]?.attempts.map((attempt) => attempt.outcome)).toEqual(['succeeded'])
    // Its job completed, not left active for the recovery to deliver again: no second call can come.
    await eventually('the step job is done', async () => {
      const { body } = await json(`${apiUrl}/health`)
      const queue = body.journeys?.queue
      return queue !== undefined && queue.ready + queue.deferred + queue.active === 0 ? true : undefined
    }, 10_000, 100)
    expect(callsTo(`/${tag}/${user}`)).toHaveLength(1)
  }, 120_000)
})
