import { describe, it, expect, afterEach } from 'vitest'
import { createEventService } from '../../mocks/eventService.js'
import { createSeedData } from '../../mocks/seed.js'
import { addEvent, call, closeMocks, startMock } from '../helpers/mockEventServiceRequests.js'

afterEach(closeMocks)

const seededUsers = [
  { id: 1, userName: 'alice', email: 'alice@example.com', events: [1, 2] },
  { id: 2, userName: 'bob', email: 'bob@example.com', events: [3] },
  { id: 3, userName: 'carol', email: 'carol@example.com', events: [4] }
]

const unavailableBody = { success: false, error: 'Service Unavailable', message: 'Event API is temporarily down' }

describe('mock event.com: reads', () => {
  it('serves the seeded users with their event ids', async () => {
    const mock = await startMock()
    const reply = await call(mock, '/getUsers')
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('application/json')
    expect(reply.body).toEqual(seededUsers)
  })

  it('serves the seeded events, each owned by the user that lists it', async () => {
    const mock = await startMock()
    const reply = await call(mock, '/getEvents')
    expect(reply.status).toBe(200)
    expect(reply.body).toEqual(createSeedData().events)
    for (const event of createSeedData().events) {
      expect(Object.keys(event).sort()).toEqual(['details', 'id', 'name', 'userId'])
      expect(seededUsers.find(user => user.id === event.userId)?.events).toContain(event.id)
    }
  })

  it('finds a user by id and answers 404 JSON for an unknown one', async () => {
    const mock = await startMock()
    expect(await call(mock, '/getUserById/2')).toMatchObject({ status: 200, body: seededUsers[1] })
    expect(await call(mock, '/getUserById/99')).toMatchObject({
      status: 404,
      body: { success: false, error: 'Not Found', message: 'User 99 not found' }
    })
  })

  it('finds an event by id and answers 404 JSON for an unknown one', async () => {
    const mock = await startMock()
    expect(await call(mock, '/getEventById/3')).toMatchObject({
      status: 200,
      body: { id: 3, name: 'Conference talk', userId: 2, details: 'A talk on resilient HTTP clients' }
    })
    expect(await call(mock, '/getEventById/99')).toMatchObject({
      status: 404,
      body: { success: false, error: 'Not Found', message: 'Event 99 not found' }
    })
  })

  it('answers 404 JSON for a path event.com does not have', async () => {
    const mock = await startMock()
    expect(await call(mock, '/getEverything')).toMatchObject({
      status: 404,
      body: { success: false, error: 'Not Found' }
    })
  })

  it('fails getUsers and getEvents with 500 when the injected random falls under the failure rate', async () => {
    let next = 0.01
    const mock = await startMock({ random: () => next })
    const failure = { status: 500, body: { success: false, error: 'Internal Server Error' } }
    expect(await call(mock, '/getUsers')).toMatchObject(failure)
    expect(await call(mock, '/getEvents')).toMatchObject(failure)
    next = 0.5
    expect(await call(mock, '/getUsers')).toMatchObject({ status: 200, body: seededUsers })
    expect((await call(mock, '/getEvents')).status).toBe(200)
  })

  it('never fails a read at random when the failure rate is 0 or the scenario is healthy', async () => {
    const neverFails = await startMock({ random: () => 0, readFailureRate: 0 })
    const healthy = await startMock({ random: () => 0, scenario: { name: 'healthy' } })
    expect((await call(neverFails, '/getUsers')).status).toBe(200)
    expect((await call(healthy, '/getEvents')).status).toBe(200)
  })
})

describe('mock event.com: addEvent', () => {
  it('stores an accepted event in getEvents and in its user\'s events', async () => {
    const mock = await startMock()
    const reply = await addEvent(mock, { id: 10, name: 'Retro', userId: 2, details: 'Sprint retro' })
    expect(reply).toMatchObject({ status: 200, body: { success: true } })
    expect((await call(mock, '/getEvents')).body).toContainEqual({ id: 10, name: 'Retro', userId: 2, details: 'Sprint retro' })
    expect((await call(mock, '/getUserById/2')).body).toMatchObject({ events: [3, 10] })
    expect(await call(mock, '/getEventById/10')).toMatchObject({ status: 200, body: { id: 10 } })
    expect(mock.service.stats).toEqual({ addEventCalls: 1, addEventAccepted: 1 })
  })

  it('stores an event whose user does not exist without inventing the user', async () => {
    const mock = await startMock()
    expect((await addEvent(mock, { id: 'e-1', name: 'Orphan', userId: 'u-9' })).status).toBe(200)
    expect(mock.service.state.events.at(-1)).toEqual({ id: 'e-1', name: 'Orphan', userId: 'u-9' })
    expect(mock.service.state.users).toEqual(seededUsers)
  })

  it('accepts 5 then fails 10 with 503, over and over, storing only the accepted events', async () => {
    const mock = await startMock()
    const statuses: number[] = []
    for (let call = 1; call <= 30; call += 1) {
      const reply = await addEvent(mock, { id: 100 + call, name: `Event ${call}`, userId: 1 })
      statuses.push(reply.status)
      if (reply.status === 503) expect(reply.body).toEqual(unavailableBody)
    }
    const run = (status: number, length: number): number[] => Array.from({ length }, () => status)
    expect(statuses).toEqual([...run(200, 5), ...run(503, 10), ...run(200, 5), ...run(503, 10)])

    const acceptedIds = [101, 102, 103, 104, 105, 116, 117, 118, 119, 120]
    const storedIds = (await call(mock, '/getEvents')).body as { id: number }[]
    expect(storedIds.map(event => event.id)).toEqual([1, 2, 3, 4, ...acceptedIds])
    expect((await call(mock, '/getUserById/1')).body).toMatchObject({ events: [1, 2, ...acceptedIds] })
    expect(mock.service.stats).toEqual({ addEventCalls: 30, addEventAccepted: 10 })
  })

  it.each([
    ['id', { name: 'No id', userId: 1 }],
    ['name', { id: 7, userId: 1 }],
    ['userId', { id: 7, name: 'No user' }],
    ['userId', { id: 7, name: 'Object user', userId: { id: 1 } }],
    ['id', { id: '', name: 'Empty id', userId: 1 }]
  ])('answers 400 when %s is missing or not a string or number', async (field, body) => {
    const mock = await startMock()
    const reply = await addEvent(mock, body)
    expect(reply).toMatchObject({ status: 400, body: { success: false, error: 'Bad Request' } })
    expect((reply.body as { message: string }).message).toContain(field)
    expect(mock.service.state.events).toHaveLength(4)
  })

  it('answers 400 to a body that is not JSON', async () => {
    const mock = await startMock()
    const reply = await call(mock, '/addEvent', { method: 'POST', rawBody: '{"id": 1,' })
    expect(reply).toMatchObject({ status: 400, body: { success: false, error: 'Bad Request' } })
  })

  it('validates before the failure pattern counts a call', async () => {
    const mock = await startMock()
    for (let bad = 0; bad < 3; bad += 1) expect((await addEvent(mock, { name: 'Invalid' })).status).toBe(400)
    const statuses: number[] = []
    for (let call = 1; call <= 6; call += 1) statuses.push((await addEvent(mock, { id: call + 20, name: 'Valid', userId: 3 })).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503])
    expect(mock.service.stats).toEqual({ addEventCalls: 6, addEventAccepted: 5 })
  })

  it('answers 507 once maxEvents are stored, keeping memory bounded', async () => {
    const mock = await startMock({ scenario: { name: 'healthy' }, maxEvents: 5 })
    expect((await addEvent(mock, { id: 5, name: 'Fifth', userId: 1 })).status).toBe(200)
    expect(await addEvent(mock, { id: 6, name: 'Sixth', userId: 1 })).toMatchObject({
      status: 507,
      body: { success: false, error: 'Insufficient Storage' }
    })
    expect(mock.service.state.events).toHaveLength(5)
  })
})

describe('mock event.com: instances', () => {
  it('hands out fresh seed copies, so one instance\'s writes never reach another', async () => {
    const mock = await startMock()
    const other = createEventService()
    expect((await addEvent(mock, { id: 50, name: 'Only here', userId: 1 })).status).toBe(200)
    expect(mock.service.state.events).toHaveLength(5)
    expect(mock.service.state.users[0]?.events).toEqual([1, 2, 50])
    expect(other.state.events).toHaveLength(4)
    expect(other.state.users[0]?.events).toEqual([1, 2])
    expect(createSeedData().users[0]).not.toBe(createSeedData().users[0])
  })

  it('rejects invalid options with a RangeError and invalid scenarios with a TypeError', () => {
    expect(() => createEventService({ readFailureRate: 1.5 })).toThrow(RangeError)
    expect(() => createEventService({ getEventByIdDelayMs: -1 })).toThrow(RangeError)
    const service = createEventService()
    expect(() => { service.setScenario({ name: 'slow', delayMs: -5 }) }).toThrow(TypeError)
    expect(service.scenario).toEqual({ name: 'original' })
  })
})
