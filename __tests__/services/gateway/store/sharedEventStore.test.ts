import { afterEach } from 'vitest'
import pino from 'pino'
import type { EventStore } from '../../../../services/gateway/store/eventStore.js'
import { SharedEventStore } from '../../../../services/gateway/store/sharedEventStore.js'
import type { SharedEventStoreOptions } from '../../../../services/gateway/store/sharedEventStore.js'
import { eventually } from '../../../helpers/eventually.js'
import { sharedRedisForTest, uniquePrefix } from '../../../helpers/redisServers.js'
import { storeContract } from './eventStoreContract.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function sharedStore (keyPrefix: string, options: Partial<SharedEventStoreOptions> = {}): Promise<SharedEventStore> {
  const { redis, cleanup } = await sharedRedisForTest({ keyPrefix })
  const store = new SharedEventStore({ redis, logger: pino({ level: 'silent' }), ...options })
  cleanups.push(async () => {
    store.close()
    await cleanup()
  })
  return store
}

storeContract('SharedEventStore', () => sharedStore(uniquePrefix()))

/**
 * Two instances on one prefix as one store: every change made on the first, every read made on the
 * second once it is in sync; the second has no tail loop, so each read fetches what it misses itself.
 */
async function writerAndReader (): Promise<EventStore> {
  const prefix = uniquePrefix()
  const writer = await sharedStore(prefix)
  const reader = await sharedStore(prefix, { tail: false })
  const synced = async (): Promise<EventStore> => {
    if (writer.generation === undefined) return reader
    await eventually('the reader is in sync', async () => await reader.sync() === 'fresh' ? true : undefined, 30_000, 5)
    return reader
  }
  return {
    load: (snapshot) => writer.load(snapshot),
    addEvent: (event) => writer.addEvent(event),
    hasUser: async (userId) => (await synced()).hasUser(userId),
    getUser: async (userId) => (await synced()).getUser(userId),
    listUsers: async () => (await synced()).listUsers(),
    listEvents: async (page) => (await synced()).listEvents(page),
    listEventsJson: async (page) => (await synced()).listEventsJson(page),
    listEventsByUser: async (userId, page) => (await synced()).listEventsByUser(userId, page),
    listEventsByUserJson: async (userId, page) => (await synced()).listEventsByUserJson(userId, page),
    counts: async () => (await synced()).counts()
  }
}

// Its reads wait for the reader to catch up, so none is answered at once.
storeContract('SharedEventStore written on one instance and read on another', writerAndReader, { answersAtOnce: false })
