import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { expectDocumented } from './documentedResponse.js'
import { buildJourneysApp, call, createFlow, problemCode, quickFlow, sharedEngine, triggerEvent, unique, waitingFlow } from '../../../helpers/journeysApp.js'
import type { TriggerAnswer } from '../../../helpers/journeysApp.js'

interface Run {
  readonly id: string
  readonly flowId: string
  readonly userId: string
  readonly status: string
  readonly steps: readonly { readonly id: string, readonly status: string, readonly attempts: readonly { readonly outcome?: string, readonly error?: string }[] }[]
}

/** Starts one run of the flow `name` triggers, for `userId`, and returns its id. */
async function startRun (app: FastifyInstance, name: string, userId: string): Promise<string> {
  const answer = (await triggerEvent(app, { name, userId })).json<TriggerAnswer>()
  expect(answer.runs).toHaveLength(1)
  return answer.runs[0]?.runId ?? ''
}

function runReaches (app: FastifyInstance, runId: string, status: string): Promise<Run> {
  return eventually(`run ${runId} is ${status}`, async () => {
    const run = (await call(app, 'GET', `/api/runs/${runId}`)).json<Run>()
    return run.status === status ? run : undefined
  })
}

/** A flow whose one webhook is refused and is not retried: its runs fail at once. */
function failingFlow (event: string): Record<string, unknown> {
  return {
    name: `failing ${event}`,
    trigger: { event, next: ['call'] },
    entry: 'always',
    steps: [{ id: 'call', type: 'webhook', url: 'http://refused.test/hook', retry: { attempts: 1 } }]
  }
}

/** Every page of `url`, following the Link header. */
async function allPages (app: FastifyInstance, url: string): Promise<{ pages: Run[][], links: string[] }> {
  const pages: Run[][] = []
  const links: string[] = []
  let next: string | undefined = url
  while (next !== undefined) {
    const response = await call(app, 'GET', next)
    expect(response.statusCode, next).toBe(200)
    expectDocumented(app, 'GET', '/api/runs', response)
    pages.push(response.json<Run[]>())
    const link = response.headers.link
    next = typeof link === 'string' ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined
    if (next !== undefined) links.push(next)
    expect(pages.length).toBeLessThan(20)
  }
  return { pages, links }
}

describe.each(backends)('/api/runs and /api/events on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('lists runs newest first, filtered by flow, user and status', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('list')
    const [ada, grace] = [unique('ada'), unique('grace')]
    const flowId = await createFlow(app, waitingFlow(name))
    const other = await createFlow(app, quickFlow(name))
    const answers: TriggerAnswer[] = []
    for (const userId of [ada, grace, ada]) answers.push((await triggerEvent(app, { name, userId })).json<TriggerAnswer>())
    const started = answers.flatMap((answer) => answer.runs)
    const ofFlow = started.filter((run) => run.flowId === flowId).map((run) => run.runId)

    const byFlow = await call(app, 'GET', `/api/runs?flowId=${flowId}`)
    expect(byFlow.statusCode).toBe(200)
    expectDocumented(app, 'GET', '/api/runs', byFlow)
    expect(byFlow.json<Run[]>().map((run) => run.id)).toEqual([...ofFlow].reverse())

    const byUser = (await call(app, 'GET', `/api/runs?userId=${ada}&flowId=${flowId}`)).json<Run[]>()
    expect(byUser.map((run) => run.userId)).toEqual([ada, ada])

    await eventually('the quick runs complete', async () => {
      const done = (await call(app, 'GET', `/api/runs?flowId=${other}&status=completed`)).json<Run[]>()
      return done.length === 3 ? done : undefined
    })
    expect((await call(app, 'GET', `/api/runs?flowId=${flowId}&status=waiting`)).json<Run[]>()).toHaveLength(3)
    expect((await call(app, 'GET', `/api/runs?flowId=${flowId}&status=completed`)).json<Run[]>()).toEqual([])
    expect((await call(app, 'GET', `/api/runs?userId=${grace}`)).json<Run[]>().map((run) => run.flowId).sort()).toEqual([flowId, other].sort())
  })

  it('pages with a cursor: each run once, newest first, the filters kept in the Link', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('paged')
    const flowId = await createFlow(app, waitingFlow(name))
    const user = unique('pager')
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push(await startRun(app, name, user))
    const { pages, links } = await allPages(app, `/api/runs?flowId=${flowId}&limit=2`)
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1])
    expect(pages.flat().map((run) => run.id)).toEqual([...ids].reverse())
    for (const link of links) {
      expect(link).toContain(`flowId=${flowId}`)
      expect(link).toContain('limit=2')
    }
  })

  it.each([
    ['an unknown status', 'status=sleeping', 'querystring/status'],
    ['a limit of 0', 'limit=0', 'querystring/limit'],
    ['a cursor it never gave', 'cursor=not-a-cursor', 'querystring/cursor'],
    ['an unknown filter', 'colour=blue', 'querystring/colour']
  ])('answers 400 naming the field to %s', async (_, query, field) => {
    const { app } = await buildJourneysApp(engine())
    const response = await call(app, 'GET', `/api/runs?${query}`)
    expect(response.statusCode).toBe(400)
    expect(problemCode(response)).toBe('GW_ERR_REQUEST_INVALID')
    expect(response.json<{ field?: string }>().field).toBe(field)
    expectDocumented(app, 'GET', '/api/runs', response)
  })

  it('GET /:id shows a run with its steps, and answers 404 GW_ERR_RUN_NOT_FOUND for one that does not exist', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('show')
    const flowId = await createFlow(app, waitingFlow(name))
    const runId = await startRun(app, name, '1')
    const found = await call(app, 'GET', `/api/runs/${runId}`)
    expect(found.statusCode).toBe(200)
    expectDocumented(app, 'GET', '/api/runs/{id}', found)
    expect(found.json<Run>()).toMatchObject({ id: runId, flowId, userId: '1', status: 'waiting', steps: [{ id: 'pause', status: 'waiting' }, { id: 'after', status: 'pending' }] })
    for (const [method, url, route] of [
      ['GET', '/api/runs/no-such-run', '/api/runs/{id}'],
      ['POST', '/api/runs/no-such-run/cancel', '/api/runs/{id}/cancel'],
      ['POST', '/api/runs/no-such-run/retry', '/api/runs/{id}/retry']
    ] as const) {
      const response = await call(app, method, url)
      expect(response.statusCode, url).toBe(404)
      expect(problemCode(response)).toBe('GW_ERR_RUN_NOT_FOUND')
      expectDocumented(app, method, route, response)
    }
  })

  it('cancels an active run, and answers 409 GW_ERR_RUN_CONFLICT to cancelling a cancelled, completed or exited run', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('cancel')
    const quick = unique('cancel-quick')
    const leave = unique('leave')
    await createFlow(app, waitingFlow(name, { exit: { event: leave } }))
    await createFlow(app, quickFlow(quick))
    const waiting = await startRun(app, name, '1')
    const cancelled = await call(app, 'POST', `/api/runs/${waiting}/cancel`)
    expect(cancelled.statusCode).toBe(200)
    expectDocumented(app, 'POST', '/api/runs/{id}/cancel', cancelled)
    expect(cancelled.json<Run>()).toMatchObject({ status: 'cancelled', steps: [{ id: 'pause', status: 'cancelled' }, { id: 'after' }] })
    expect(cancelled.json<Run>().steps[1]?.status).not.toBe('succeeded')

    const completed = await startRun(app, quick, '1')
    await runReaches(app, completed, 'completed')
    const exiting = await startRun(app, name, '2')
    const exit = (await triggerEvent(app, { name: leave, userId: '2' })).json<TriggerAnswer>()
    expect(exit.exited).toEqual([exiting])
    expect((await call(app, 'GET', `/api/runs/${exiting}`)).json<Run>().status).toBe('exited')

    for (const runId of [waiting, completed, exiting]) {
      const response = await call(app, 'POST', `/api/runs/${runId}/cancel`)
      expect(response.statusCode, runId).toBe(409)
      expect(problemCode(response)).toBe('GW_ERR_RUN_CONFLICT')
      expectDocumented(app, 'POST', '/api/runs/{id}/cancel', response)
    }
  })

  it('retries a failed run, and answers 409 GW_ERR_RUN_CONFLICT to retrying a run that has not failed', async () => {
    const { app } = await buildJourneysApp(engine())
    const failing = unique('failing')
    const name = unique('not-failed')
    await createFlow(app, failingFlow(failing))
    await createFlow(app, waitingFlow(name))
    const failed = await startRun(app, failing, '1')
    const before = await runReaches(app, failed, 'failed')
    expect(before.steps[0]).toMatchObject({ id: 'call', status: 'failed' })
    const attemptsBefore = before.steps[0]?.attempts.length ?? 0
    // One call, its attempt the last the policy allows: failed with it, saying so.
    expect(before.steps[0]?.attempts).toHaveLength(1)
    expect(before.steps[0]?.attempts[0]?.error).toContain('(after 1 attempts)')

    const retried = await call(app, 'POST', `/api/runs/${failed}/retry`)
    expect(retried.statusCode).toBe(200)
    expectDocumented(app, 'POST', '/api/runs/{id}/retry', retried)
    expect(retried.json<Run>().status).toBe('running')
    // Refused again: the step's second attempt fails too, and the run with it.
    const after = await eventually('the retried step is attempted again', async () => {
      const run = (await call(app, 'GET', `/api/runs/${failed}`)).json<Run>()
      return run.status === 'failed' && (run.steps[0]?.attempts.length ?? 0) > attemptsBefore ? run : undefined
    })
    expect(after.steps[0]?.status).toBe('failed')

    const waiting = await startRun(app, name, '1')
    const cancelledRun = await startRun(app, name, '2')
    expect((await call(app, 'POST', `/api/runs/${cancelledRun}/cancel`)).statusCode).toBe(200)
    for (const runId of [waiting, cancelledRun]) {
      const response = await call(app, 'POST', `/api/runs/${runId}/retry`)
      expect(response.statusCode, runId).toBe(409)
      expect(problemCode(response)).toBe('GW_ERR_RUN_CONFLICT')
      expectDocumented(app, 'POST', '/api/runs/{id}/retry', response)
    }
  })

  it('GET /api/events/:id shows a trigger event with the runs it started, and 404 GW_ERR_EVENT_NOT_FOUND for one never recorded', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('event')
    const flowId = await createFlow(app, waitingFlow(name))
    const disabled = await createFlow(app, quickFlow(name))
    await call(app, 'POST', `/api/flows/${disabled}/disable`)
    const answer = (await triggerEvent(app, { name, userId: '3', properties: { source: 'test' } })).json<TriggerAnswer>()
    const found = await call(app, 'GET', `/api/events/${answer.eventId}`)
    expect(found.statusCode).toBe(200)
    expectDocumented(app, 'GET', '/api/events/{id}', found)
    expect(found.json()).toMatchObject({
      id: answer.eventId, name, userId: '3', source: 'api', state: 'recorded', properties: { source: 'test' },
      runs: [{ id: answer.runs[0]?.runId, flowId, status: 'waiting' }],
      skipped: [{ flowId: disabled, reason: 'disabled' }],
      exited: []
    })
    const missing = await call(app, 'GET', '/api/events/never-recorded')
    expect(missing.statusCode).toBe(404)
    expect(problemCode(missing)).toBe('GW_ERR_EVENT_NOT_FOUND')
    expectDocumented(app, 'GET', '/api/events/{id}', missing)
  })
})
