import { describe, it, expect } from 'vitest'
import { addEvent } from '../../helpers/testApp.js'
import { clusterPrefix, createClusterUpstream, startClusterInstance } from '../../helpers/clusterApps.js'
import { seedEvents, seedUsers } from '../../helpers/seed.js'

describe('gateway instances sharing a Redis', () => {
  it('hydrate from event.com once: the first takes the lock, the other loads what it wrote and serves the same data', async () => {
    const upstream = createClusterUpstream()
    const keyPrefix = clusterPrefix()
    const [a, b] = await Promise.all([startClusterInstance({ upstream, keyPrefix }), startClusterInstance({ upstream, keyPrefix })])
    await Promise.all([a.app.hydrator.hydrated, b.app.hydrator.hydrated])

    expect(upstream.calls).toEqual({ getUsers: 1, getEvents: 1 })
    const rehydrations = await Promise.all([a, b].map(async ({ app }) => Number(/^store_rehydrations_total (\d+)$/m.exec((await app.inject({ url: '/metrics' })).body)?.[1])))
    expect([...rehydrations].sort()).toEqual([0, 1])
    for (const { app, store } of [a, b]) {
      expect(app.hydrator.state).toBe('ready')
      const health = await app.inject({ url: '/health' })
      expect(health.json<{ store: unknown }>().store).toEqual({ state: 'ready', users: 3, events: 3, hydrationFailures: 0, generation: store.generation, outbox: 0 })
      expect(store.generation).toBe(a.store.generation)
      const users = await app.inject({ url: '/getUsers' })
      expect(users.statusCode).toBe(200)
      expect(users.headers['read-consistency']).toBeUndefined()
      expect(users.json<{ id: string }[]>().map((user) => user.id)).toEqual(seedUsers.map((user) => user.id))
      expect((await app.inject({ url: '/getEvents' })).json()).toEqual(seedEvents)
    }
    const later = await startClusterInstance({ upstream, keyPrefix })
    await later.app.hydrator.hydrated
    expect(upstream.calls).toEqual({ getUsers: 1, getEvents: 1 })
    expect((await later.app.inject({ url: '/getEvents' })).json()).toEqual(seedEvents)
  })

  for (const [behind, storeOptions] of [['tailing the stream', {}], ['whose tail is behind (has none)', { tail: false }]] as const) {
    it(`show a write acknowledged by one instance in the next read from another ${behind}`, async () => {
      const upstream = createClusterUpstream()
      const keyPrefix = clusterPrefix()
      const a = await startClusterInstance({ upstream, keyPrefix })
      await a.app.hydrator.hydrated
      const b = await startClusterInstance({ upstream, keyPrefix, store: storeOptions })
      await b.app.hydrator.hydrated

      for (let round = 0; round < 20; round++) {
        const written = await addEvent(a.app, { name: `round-${round}`, userId: '3' })
        expect(written.statusCode).toBe(201)
        const { id } = written.json<{ id: string }>()
        const read = await b.app.inject({ url: '/getEventsByUserId/3?limit=100' })
        expect(read.statusCode).toBe(200)
        expect(read.headers['read-consistency']).toBeUndefined()
        expect(read.json<{ id: string }[]>().at(-1)?.id).toBe(id)
      }
      const onA = (await a.app.inject({ url: '/getEvents?limit=100' })).json<unknown[]>()
      const onB = (await b.app.inject({ url: '/getEvents?limit=100' })).json<unknown[]>()
      expect(onB).toEqual(onA)
      expect(onB).toHaveLength(seedEvents.length + 20)
    })
  }
})
