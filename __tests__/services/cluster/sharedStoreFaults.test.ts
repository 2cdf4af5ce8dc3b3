import { describe, it, expect, beforeEach, onTestFinished } from 'vitest'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { SharedRedis } from '../../../services/cluster/index.js'
import { createExponentialBackoff } from '../../../utils/backoff.js'
import type { Event } from '../../../services/gateway/store/eventStore.js'
import { SharedEventStore } from '../../../services/gateway/store/sharedEventStore.js'
import { createSharedHydrator } from '../../../services/gateway/store/sharedHydrator.js'
import { clusterPrefix, createClusterUpstream, startClusterInstance } from '../../helpers/clusterApps.js'
import type { ClusterInstance, ClusterUpstream } from '../../helpers/clusterApps.js'
import { eventually } from '../../helpers/eventually.js'
import { slowProxy, startOwnRedis } from '../../helpers/redisServers.js'
import type { OwnRedis, SlowProxy } from '../../helpers/redisServers.js'
import { seedEvents, seedUsers } from '../../helpers/seed.js'
import { addEvent } from '../../helpers/testApp.js'

const deadlineMs = 100

let own: OwnRedis
let proxy: SlowProxy
beforeEach(async () => {
  own = await startOwnRedis()
  proxy = await slowProxy(own.port)
  onTestFinished(async () => {
    await proxy.close()
    await own.kill()
  })
})

async function twoInstances (): Promise<{ a: ClusterInstance, b: ClusterInstance, upstream: ClusterUpstream }> {
  const upstream = createClusterUpstream()
  const keyPrefix = clusterPrefix(own.url)
  const a = await startClusterInstance({ upstream, keyPrefix, url: proxy.url, timeoutMs: deadlineMs })
  await a.app.hydrator.hydrated
  const b = await startClusterInstance({ upstream, keyPrefix, url: proxy.url, timeoutMs: deadlineMs })
  await b.app.hydrator.hydrated
  return { a, b, upstream }
}

async function write (app: FastifyInstance, name: string): Promise<string> {
  const response = await addEvent(app, { name, userId: '3' })
  expect(response.statusCode).toBe(201)
  return response.json<Event>().id
}

async function eventIdsOf (app: FastifyInstance, userId: string): Promise<{ ids: string[], stale: boolean }> {
  const response = await app.inject({ url: `/getEventsByUserId/${userId}?limit=1000` })
  expect(response.statusCode).toBe(200)
  return { ids: response.json<Event[]>().map((event) => event.id), stale: response.headers['read-consistency'] === 'stale' }
}

/** Waits until a read on `app` is fresh and shows every one of `ids`. */
async function shownFresh (app: FastifyInstance, userId: string, ids: readonly string[]): Promise<string[]> {
  return eventually(`a fresh read shows ${ids.length} events`, async () => {
    const read = await eventIdsOf(app, userId)
    return !read.stale && ids.every((id) => read.ids.includes(id)) ? read.ids : undefined
  }, 30_000, 50)
}

async function * toAsync<T> (items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item)
}

async function timed<T> (call: () => Promise<T>): Promise<{ value: T, ms: number }> {
  const start = performance.now()
  const value = await call()
  return { value, ms: performance.now() - start }
}

describe('the shared store when Redis is slow, away or restarted empty', { timeout: 60_000 }, () => {
  it('Redis slow: reads answer within about the deadline, marked stale; writes are acknowledged and reach the other instance once it is quick again', async () => {
    const { a, b } = await twoInstances()
    proxy.delayMs = 1000

    const { value: read, ms } = await timed(() => eventIdsOf(b.app, '3'))
    expect(read).toEqual({ ids: [], stale: true })
    // The deadline, plus room for a loaded machine: nothing waits for the 1 s Redis.
    expect(ms).toBeLessThan(600 + deadlineMs)
    const metrics = await b.app.inject({ url: '/metrics' })
    expect(metrics.body).toMatch(/^store_stale_reads_total [1-9]/m)

    const written = [await write(a.app, 'slow-1'), await write(a.app, 'slow-2')]
    proxy.delayMs = 0
    expect(await shownFresh(b.app, '3', written)).toEqual(written)
    await eventually('the outbox is empty', () => a.store.stats.outboxSize === 0 ? true : undefined)
  })

  it('Redis not answering: reads are stale at once, acknowledged writes are kept and reach the other instance when it answers again', async () => {
    const { a, b } = await twoInstances()
    own.pause()

    const { value: read, ms } = await timed(() => eventIdsOf(b.app, '3'))
    expect(read.stale).toBe(true)
    expect(ms).toBeLessThan(600 + deadlineMs)
    const written = [await write(a.app, 'away-1'), await write(a.app, 'away-2'), await write(a.app, 'away-3')]
    expect(a.store.stats.outboxSize).toBe(3)
    // The writer shows its own writes meanwhile, stale.
    expect(await eventIdsOf(a.app, '3')).toEqual({ ids: written, stale: true })

    own.resume()
    expect(await shownFresh(b.app, '3', written)).toEqual(written)
    expect(await shownFresh(a.app, '3', written)).toEqual(written)
    await eventually('the outbox is empty', () => a.store.stats.outboxSize === 0 ? true : undefined)
  })

  it('Redis restarted empty: one instance rehydrates from event.com, the other reloads, and nothing acknowledged is lost', async () => {
    const { a, b, upstream } = await twoInstances()
    const before = await write(a.app, 'before')
    await shownFresh(b.app, '3', [before])
    expect(upstream.calls).toEqual({ getUsers: 1, getEvents: 1 })

    await own.kill()
    const read = await eventIdsOf(b.app, '3')
    // The previous index, everything in it acknowledged by event.com, marked stale.
    expect(read).toEqual({ ids: [before], stale: true })
    const during = [await write(a.app, 'during-1'), await write(b.app, 'during-2')]
    await own.start()

    const all = [before, ...during]
    const onB = await shownFresh(b.app, '3', all)
    const onA = await shownFresh(a.app, '3', all)
    expect([...onB].sort()).toEqual([...all].sort())
    expect(onA).toEqual(onB)
    // One rehydration, by one of them, under the lock.
    expect(upstream.calls).toEqual({ getUsers: 2, getEvents: 2 })
    expect((await b.app.inject({ url: '/getEvents?limit=1000' })).json()).toEqual((await a.app.inject({ url: '/getEvents?limit=1000' })).json())
    const after = await write(b.app, 'after')
    expect(await shownFresh(a.app, '3', [after])).toContain(after)
  })

  it('publishes the outbox again after a rebuild, when event.com\'s snapshot does not hold those events yet', async () => {
    const keyPrefix = clusterPrefix(own.url)
    // event.com as the rebuild sees it: only the seed, whatever was written since.
    const eventService = {
      getUsers: () => Promise.resolve({ items: [...seedUsers], skipped: 0 }),
      getEvents: async <T>(consume: (events: AsyncIterable<Event>) => Promise<T>) => ({ result: await consume(toAsync(seedEvents)), skipped: 0 })
    }
    const instance = async (): Promise<SharedEventStore> => {
      const redis = new SharedRedis({ url: own.url, timeoutMs: deadlineMs, keyPrefix })
      await redis.connect()
      const store = new SharedEventStore({ redis, logger: pino({ level: 'silent' }), tailBlockMs: 200 })
      const hydrator = createSharedHydrator({ store, eventService, backoff: createExponentialBackoff({ baseMs: 20, maxMs: 200 }), random: () => 0.5, logger: pino({ level: 'silent' }), pollMs: 20 })
      hydrator.start()
      onTestFinished(async () => {
        hydrator.stop()
        store.close()
        await redis.close()
      })
      await hydrator.hydrated
      return store
    }
    const a = await instance()
    const b = await instance()

    await own.kill()
    await a.addEvent({ id: 'kept', name: 'while away', userId: '1' })
    expect(a.outboxEvents().map((event) => event.id)).toEqual(['kept'])
    await own.start()

    await eventually('the other instance shows the kept event', async () => {
      if (await b.sync() !== 'fresh') return undefined
      return (await b.listEventsByUser('1', { limit: 10 }))?.items.some((event) => event.id === 'kept') === true ? true : undefined
    }, 30_000, 50)
    expect(a.outboxEvents()).toEqual([])
    expect((await b.listEventsByUser('1', { limit: 10 }))?.items.map((event) => event.id)).toEqual(['e1', 'e2', 'kept'])
  })

  it('keeps at most the outbox cap while Redis is away, dropping the oldest, and counts the drops in /metrics', async () => {
    const upstream = createClusterUpstream()
    const keyPrefix = clusterPrefix(own.url)
    const a = await startClusterInstance({ upstream, keyPrefix, url: own.url, timeoutMs: deadlineMs, store: { outboxCap: 2 } })
    await a.app.hydrator.hydrated
    await own.kill()
    const written = [await write(a.app, 'one'), await write(a.app, 'two'), await write(a.app, 'three')]

    expect(a.store.outboxEvents().map((event) => event.id)).toEqual(written.slice(1))
    // The dropped one is still acknowledged and shown here; event.com holds it for the next rehydration.
    expect(await eventIdsOf(a.app, '3')).toEqual({ ids: written, stale: true })
    const metrics = (await a.app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/^store_outbox_dropped_total 1$/m)
    expect(metrics).toMatch(/^store_outbox_events 2$/m)
  })
})
