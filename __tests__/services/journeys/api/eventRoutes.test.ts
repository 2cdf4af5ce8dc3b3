import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { buildJourneysApp, call, emailFlow } from '../../../helpers/journeysApp.js'
import { startTestEngine, unique } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

interface EventBody {
  id: string
  name: string
  userId: string
  state: string
  receivedAt: string
  runs: { id: string, flowId: string, eventId: string }[]
  skipped: { flowId: string, reason: string }[]
}

describe.each(backends)('GET /api/events on %s', (backend) => {
  // No workers: the runs stay as their events left them, so a list and a later read agree.
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend, { work: false }) }, 60_000)
  afterAll(async () => { await t.stop() })

  it('lists trigger events newest first, each with the runs it started and the flows it skipped, as GET /api/events/:id shows it', async () => {
    const { app } = await buildJourneysApp(t)
    const trigger = unique('signup')
    const started = (await call(app, 'POST', '/api/flows', emailFlow(trigger))).json<{ id: string }>()
    const disabled = (await call(app, 'POST', '/api/flows', emailFlow(trigger))).json<{ id: string }>()
    expect((await call(app, 'POST', `/api/flows/${disabled.id}/disable`)).statusCode).toBe(200)
    const user = unique('user')
    const ids = ['first', 'second', 'third'].map((n) => unique(n))
    for (const id of ids) expect((await call(app, 'POST', '/api/trigger-event', { id, name: trigger, userId: user, email: 'ada@example.com' })).statusCode).toBe(202)

    const response = await call(app, 'GET', `/api/events?name=${trigger}`)
    expect(response.statusCode).toBe(200)
    expect(response.headers.link).toBeUndefined()
    const events = response.json<EventBody[]>()
    expect(events.map((event) => event.id)).toEqual([...ids].reverse())
    for (const event of events) {
      expect(event).toMatchObject({ name: trigger, userId: user, state: 'recorded', skipped: [{ flowId: disabled.id, reason: 'disabled' }] })
      expect(event.runs).toMatchObject([{ flowId: started.id, eventId: event.id }])
    }
    const one = await call(app, 'GET', `/api/events/${ids[0] ?? ''}`)
    expect(events[2]).toEqual(one.json())
  })

  it('filters by user and by the time received, and pages with Link rel="next" keeping the filters', async () => {
    const { app } = await buildJourneysApp(t)
    const trigger = unique('visit')
    const user = unique('user')
    const other = unique('user')
    for (let i = 0; i < 5; i++) await call(app, 'POST', '/api/trigger-event', { id: `${user}-${i}`, name: trigger, userId: user })
    await call(app, 'POST', '/api/trigger-event', { name: trigger, userId: other })

    const seen: string[] = []
    let url: string | undefined = `/api/events?userId=${user}&limit=2`
    for (let pages = 0; url !== undefined; pages++) {
      expect(pages).toBeLessThan(3)
      const page = await call(app, 'GET', url)
      expect(page.statusCode).toBe(200)
      const body = page.json<EventBody[]>()
      expect(body.every((event) => event.userId === user)).toBe(true)
      seen.push(...body.map((event) => event.id))
      const link = page.headers.link
      url = typeof link === 'string' ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined
      if (url !== undefined) expect(url).toMatch(new RegExp(`^/api/events\\?limit=2&userId=${user}&cursor=`))
    }
    expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => `${user}-${i}`))

    const all = (await call(app, 'GET', `/api/events?name=${trigger}`)).json<EventBody[]>()
    expect(all).toHaveLength(6)
    const middle = all[3]?.receivedAt ?? ''
    const since = (await call(app, 'GET', `/api/events?name=${trigger}&from=${encodeURIComponent(middle)}`)).json<EventBody[]>()
    expect(since.map((event) => event.id)).toEqual(all.filter((event) => event.receivedAt >= middle).map((event) => event.id))
    const until = (await call(app, 'GET', `/api/events?name=${trigger}&to=${encodeURIComponent(middle)}`)).json<EventBody[]>()
    expect(until.map((event) => event.id)).toEqual(all.filter((event) => event.receivedAt < middle).map((event) => event.id))
    expect(since.length + until.length).toBe(6)
  })

  it.each([
    ['limit=0', 'querystring/limit'],
    ['limit=1001', 'querystring/limit'],
    ['cursor=bm90LWEtY3Vyc29y', 'querystring/cursor'],
    ['from=soon', 'querystring/from'],
    ['to=2024-13-01T00:00:00Z', 'querystring/to'],
    ['from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', 'querystring/from'],
    ['name=', 'querystring/name'],
    ['flowId=x', 'querystring/flowId']
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const { app } = await buildJourneysApp(t)
    const response = await call(app, 'GET', `/api/events?${query}`)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_REQUEST_INVALID', field })
  })
})
