import { describe, expect, it } from 'vitest'
import type { EventStore } from '../../../../services/gateway/store/eventStore.js'
import { MemoryEventStore } from '../../../../services/gateway/store/memoryEventStore.js'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import { createTestUpstream } from '../../../helpers/testUpstream.js'

function nextLink (header: string | string[] | number | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  return /^<([^>]+)>; rel="next"$/.exec(header)?.[1]
}

describe('GET /getUsers', () => {
  it('lists every user with the ids of their events, including events added through the gateway', async () => {
    const { app } = await buildTestApp({ generateId: () => 'new-1' })
    expect((await addEvent(app, { name: 'demo', userId: '3' })).statusCode).toBe(201)

    const response = await app.inject('/getUsers')

    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.json()).toEqual([
      { id: '1', userName: 'ada', email: 'ada@example.com', events: ['e1', 'e2'] },
      { id: '2', userName: 'grace', email: 'grace@example.com', events: ['e3'] },
      { id: '3', userName: 'linus', email: 'linus@example.com', events: ['new-1'] }
    ])
  })
})

describe('GET /getEvents', () => {
  it('returns all events in the order they were added, as a plain array without a Link on the last page', async () => {
    const { app } = await buildTestApp()
    const response = await app.inject('/getEvents')
    expect(response.statusCode).toBe(200)
    expect(response.headers.link).toBeUndefined()
    expect(response.json()).toEqual([
      { id: 'e1', name: 'kickoff', userId: '1', details: 'first' },
      { id: 'e2', name: 'review', userId: '1' },
      { id: 'e3', name: 'launch', userId: '2', details: 'third' }
    ])
  })

  it('pages with ?limit and follows Link rel="next" through every event exactly once', async () => {
    const store = new MemoryEventStore()
    const events = Array.from({ length: 25 }, (_, i) => ({ id: `e${i}`, name: `n${i}`, userId: String(i % 3) }))
    await store.load({ users: [{ id: '0', userName: 'a', email: '' }], events })
    const { app } = await buildTestApp({ store })

    const seen: string[] = []
    let url: string | undefined = '/getEvents?limit=10'
    const pageSizes: number[] = []
    while (url !== undefined) {
      const response = await app.inject(url)
      expect(response.statusCode).toBe(200)
      const page = response.json<{ id: string }[]>()
      pageSizes.push(page.length)
      seen.push(...page.map((event) => event.id))
      url = nextLink(response.headers.link)
      if (url !== undefined) expect(url).toMatch(/^\/getEvents\?limit=10&cursor=[\w-]+$/)
    }
    expect(pageSizes).toEqual([10, 10, 5])
    expect(seen).toEqual(events.map((event) => event.id))
  })

  it('defaults to 1000 per page', async () => {
    const store = new MemoryEventStore()
    const events = Array.from({ length: 1001 }, (_, i) => ({ id: `e${i}`, name: 'n', userId: '1' }))
    await store.load({ users: [{ id: '1', userName: 'a', email: '' }], events })
    const { app } = await buildTestApp({ store })
    const response = await app.inject('/getEvents')
    expect(response.json<unknown[]>()).toHaveLength(1000)
    expect(nextLink(response.headers.link)).toMatch(/^\/getEvents\?limit=1000&cursor=/)
  })

  it.each([
    ['limit=0', 'querystring/limit'],
    ['limit=10001', 'querystring/limit'],
    ['limit=abc', 'querystring/limit'],
    ['limit=1.5', 'querystring/limit'],
    ['limit=1&limit=2', 'querystring/limit'],
    ['cursor=not-a-cursor', 'querystring/cursor'],
    ['cursor=', 'querystring/cursor'],
    ['limt=5', 'querystring/limt']
  ])('rejects ?%s with a 400 naming %s', async (query, field) => {
    const { app } = await buildTestApp()
    const response = await app.inject(`/getEvents?${query}`)
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    const problem = response.json<{ code: string, field?: string, detail: string }>()
    expect(problem.code).toBe('GW_ERR_REQUEST_INVALID')
    expect(problem.detail).toContain(field)
  })
})

describe('GET /getEventsByUserId/:id', () => {
  it("returns that user's events in the order they were added", async () => {
    const ids = ['a', 'b', 'c']
    const { app } = await buildTestApp({ generateId: () => ids.shift() ?? 'z' })
    for (let i = 0; i < 3; i++) await addEvent(app, { name: `added ${i}`, userId: 1 })

    const response = await app.inject('/getEventsByUserId/1')

    expect(response.statusCode).toBe(200)
    expect(response.json<{ id: string }[]>().map((event) => event.id)).toEqual(['e1', 'e2', 'a', 'b', 'c'])
  })

  it('answers [] for a user without events', async () => {
    const { app } = await buildTestApp()
    const response = await app.inject('/getEventsByUserId/3')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual([])
  })

  it('answers 404 problem+json for an unknown user', async () => {
    const { app } = await buildTestApp()
    const response = await app.inject('/getEventsByUserId/999')
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(response.json()).toEqual({
      type: 'urn:event-gateway:problem:user-not-found',
      title: 'No such user',
      status: 404,
      detail: 'No user has id "999"',
      code: 'GW_ERR_USER_NOT_FOUND',
      requestId: response.headers['x-request-id']
    })
  })

  it('pages a long list with Link rel="next"', async () => {
    const store = new MemoryEventStore()
    const events = Array.from({ length: 7 }, (_, i) => ({ id: `e${i}`, name: 'n', userId: 'u 1' }))
    await store.load({ users: [{ id: 'u 1', userName: 'a', email: '' }], events })
    const { app } = await buildTestApp({ store })

    const first = await app.inject('/getEventsByUserId/u%201?limit=4')
    expect(first.json<{ id: string }[]>().map((event) => event.id)).toEqual(['e0', 'e1', 'e2', 'e3'])
    const next = nextLink(first.headers.link)
    expect(next).toMatch(/^\/getEventsByUserId\/u%201\?limit=4&cursor=/)

    const second = await app.inject(next ?? '')
    expect(second.json<{ id: string }[]>().map((event) => event.id)).toEqual(['e4', 'e5', 'e6'])
    expect(second.headers.link).toBeUndefined()
  })

  it('answers the same from a store that can only promise its pages', async () => {
    const loaded = async (): Promise<MemoryEventStore> => {
      const store = new MemoryEventStore()
      const events = Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, name: 'n', userId: '1' }))
      await store.load({ users: [{ id: '1', userName: 'a', email: '' }, { id: '2', userName: 'b', email: '' }], events })
      return store
    }
    const atOnce = await loaded()
    const promised = await loaded()
    // Every method but the one that answers at once.
    const promising: EventStore = {
      load: (snapshot) => promised.load(snapshot),
      addEvent: (event) => promised.addEvent(event),
      hasUser: (userId) => promised.hasUser(userId),
      getUser: (userId) => promised.getUser(userId),
      listUsers: () => promised.listUsers(),
      listEvents: (page) => promised.listEvents(page),
      listEventsJson: (page) => promised.listEventsJson(page),
      listEventsByUser: (userId, page) => promised.listEventsByUser(userId, page),
      listEventsByUserJson: (userId, page) => promised.listEventsByUserJson(userId, page),
      counts: () => promised.counts()
    }
    expect('listEventsByUserJsonNow' in atOnce).toBe(true)
    const apps = [(await buildTestApp({ store: atOnce })).app, (await buildTestApp({ store: promising })).app]
    // Status, Link and body, with the request id (which differs) taken out of the body.
    const answer = async (app: (typeof apps)[number], url: string): Promise<[number, unknown, string]> => {
      const response = await app.inject(url)
      return [response.statusCode, response.headers.link, response.body.replaceAll(String(response.headers['x-request-id']), '<id>')]
    }
    const urls = ['/getEventsByUserId/1?limit=3', '/getEventsByUserId/2', '/getEventsByUserId/3', '/getEventsByUserId/1?cursor=garbage']
    const answers = await Promise.all(apps.map(async (app) => await Promise.all(urls.map((url) => answer(app, url)))))
    expect(answers[0]?.map(([status]) => status)).toEqual([200, 200, 404, 400])
    expect(answers[0]?.[0]?.[1]).toMatch(/rel="next"$/)
    expect(answers[1]).toEqual(answers[0])
  })

  it('rejects an id longer than 256 characters with a 400', async () => {
    const { app } = await buildTestApp()
    const response = await app.inject(`/getEventsByUserId/${'x'.repeat(257)}`)
    expect(response.statusCode).toBe(400)
    expect(response.json<{ field: string }>().field).toBe('params/id')
  })
})

describe('before the store is hydrated', () => {
  it('answers reads and writes with 503 and Retry-After, while /health answers and /ready says not yet', async () => {
    // event.com never answers, so hydration's first reads never end.
    const upstream = createTestUpstream()
    upstream.service.setScenario({ name: 'hanging' })
    const { app } = await buildTestApp({ upstream, store: new MemoryEventStore(), hydrate: true })
    await app.ready()

    for (const request of [{ url: '/getUsers' }, { url: '/getEvents' }, { url: '/getEventsByUserId/1' }]) {
      const response = await app.inject(request)
      expect(response.statusCode).toBe(503)
      expect(response.headers['retry-after']).toBe('1')
      expect(response.json<{ code: string }>().code).toBe('GW_ERR_STORE_NOT_READY')
    }
    const write = await addEvent(app, { name: 'x', userId: '1' })
    expect(write.statusCode).toBe(503)
    expect(upstream.received).toHaveLength(0)

    const health = await app.inject('/health')
    expect(health.statusCode).toBe(200)
    expect(health.json<{ store: { state: string } }>().store.state).toBe('hydrating')

    const ready = await app.inject('/ready')
    expect(ready.statusCode).toBe(503)
    expect(ready.json<{ code: string }>().code).toBe('GW_ERR_STORE_NOT_READY')
  })
})

describe('GET /health and /ready', () => {
  it("reports the breaker's state and the store's counts", async () => {
    const { app } = await buildTestApp()
    const response = await app.inject('/health')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      status: 'ok',
      breaker: { state: 'closed', consecutiveFailures: 0, attempt: 0 },
      store: { state: 'ready', users: 3, events: 3, hydrationFailures: 0 }
    })
    const ready = await app.inject('/ready')
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ ready: true })
  })
})

describe('unknown routes', () => {
  it('answer 404 in the problem+json shape', async () => {
    const { app } = await buildTestApp()
    for (const request of [{ url: '/nope' }, { url: '/getUsers', method: 'DELETE' as const }]) {
      const response = await app.inject(request)
      expect(response.statusCode).toBe(404)
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(response.json<{ code: string, status: number }>()).toMatchObject({ code: 'GW_ERR_ROUTE_NOT_FOUND', status: 404 })
    }
  })
})
