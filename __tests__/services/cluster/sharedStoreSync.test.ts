import { describe, it, expect, onTestFinished, vi } from 'vitest'
import pino from 'pino'
import type { SharedRedis } from '../../../services/cluster/index.js'
import { SharedEventStore } from '../../../services/gateway/store/sharedEventStore.js'
import type { SharedEventStoreOptions } from '../../../services/gateway/store/sharedEventStore.js'
import type { StoreScripts } from '../../../services/gateway/store/sharedStoreScripts.js'
import { eventually } from '../../helpers/eventually.js'
import { sharedRedisForTest, uniquePrefix } from '../../helpers/redisServers.js'
import { seedEvents, seedUsers } from '../../helpers/seed.js'

async function instance (keyPrefix: string, options: Partial<SharedEventStoreOptions> = {}): Promise<{ store: SharedEventStore, redis: SharedRedis }> {
  const { redis, cleanup } = await sharedRedisForTest({ keyPrefix })
  const store = new SharedEventStore({ redis, logger: pino({ level: 'silent' }), ...options })
  onTestFinished(async () => {
    store.close()
    await cleanup()
  })
  return { store, redis }
}

/** A writer with the seed loaded, and a reader on the same prefix that loaded it from Redis. */
async function writerAndReader (readerOptions: Partial<SharedEventStoreOptions> = {}): Promise<{ writer: SharedEventStore, reader: SharedEventStore, readerRedis: SharedRedis }> {
  const prefix = uniquePrefix()
  const { store: writer } = await instance(prefix)
  const { store: reader, redis: readerRedis } = await instance(prefix, readerOptions)
  await writer.load({ users: seedUsers, events: seedEvents })
  const generation = await reader.sharedGeneration()
  expect(generation).toBe(writer.generation)
  await reader.follow(generation ?? '')
  return { writer, reader, readerRedis }
}

function positionChecks (redis: SharedRedis): { readonly count: number, reset: () => void } {
  const spy = vi.spyOn(redis.client as unknown as StoreScripts, 'gwStorePosition')
  return { get count () { return spy.mock.calls.length }, reset: () => { spy.mockClear() } }
}

describe('SharedEventStore.sync', () => {
  it('makes a read on one instance show what another acknowledged just before', async () => {
    const { writer, reader } = await writerAndReader()
    for (let round = 0; round < 50; round++) {
      await writer.addEvent({ id: `r${round}`, name: 'round', userId: '3' })
      expect(await reader.sync()).toBe('fresh')
      expect((await reader.listEventsByUser('3', { limit: 100 }))?.items.at(-1)?.id).toBe(`r${round}`)
    }
    expect(await reader.listEvents({ limit: 100 })).toEqual(await writer.listEvents({ limit: 100 }))
  })

  it('catches up by itself when its tail is behind (here: has none)', async () => {
    const { writer, reader } = await writerAndReader({ tail: false })
    for (let index = 0; index < 30; index++) await writer.addEvent({ id: `late-${index}`, name: 'late', userId: '2' })
    expect(await reader.sync()).toBe('fresh')
    expect((await reader.listEventsByUser('2', { limit: 100 }))?.items.map((event) => event.id))
      .toEqual(['e3', ...Array.from({ length: 30 }, (_, index) => `late-${index}`)])
  })

  it('costs one position check per batch of concurrent reads, whatever their number', async () => {
    const { writer, reader, readerRedis } = await writerAndReader()
    const checks = positionChecks(readerRedis)
    await writer.addEvent({ id: 'before', name: 'x', userId: '1' })

    const answers = await Promise.all(Array.from({ length: 500 }, () => reader.sync()))
    expect(answers.every((answer) => answer === 'fresh')).toBe(true)
    // The first read's check, and one more for every read that arrived while it was out.
    expect(checks.count).toBeLessThanOrEqual(2)
    expect(await reader.hasUser('1')).toBe(true)
    expect((await reader.listEventsByUser('1', { limit: 10 }))?.items.at(-1)?.id).toBe('before')

    checks.reset()
    for (let wave = 0; wave < 5; wave++) await Promise.all(Array.from({ length: 200 }, () => reader.sync()))
    expect(checks.count).toBeLessThanOrEqual(10)
  })

  it('does not answer a read with a check sent before it arrived: the write acknowledged in between is shown', async () => {
    // Without a tail, only the read's own check can bring the write in.
    const { writer, reader, readerRedis } = await writerAndReader({ tail: false })
    const client = readerRedis.client as unknown as StoreScripts
    const original = client.gwStorePosition.bind(client)
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => { release = resolve })
    let calls = 0
    vi.spyOn(client, 'gwStorePosition').mockImplementation(async (...args) => {
      const reply = await original(...args)
      // The first check has been answered by Redis; its answer reaches the store only once released.
      if (++calls === 1) await held
      return reply
    })

    const early = reader.sync()
    await eventually('the first check is out', () => calls === 1 ? true : undefined)
    await writer.addEvent({ id: 'between', name: 'x', userId: '3' })
    const late = reader.sync()
    release()
    expect(await early).toBe('fresh')
    expect(await late).toBe('fresh')
    expect(calls).toBe(2)
    expect((await reader.listEventsByUser('3', { limit: 10 }))?.items.map((event) => event.id)).toEqual(['between'])
  })
})
