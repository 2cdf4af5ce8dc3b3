import { describe, it, expect } from 'vitest'
import { encodeOffsetCursor } from '../../../../services/gateway/store/cursor.js'
import type { Event } from '../../../../services/gateway/store/eventStore.js'
import { MemoryEventStore } from '../../../../services/gateway/store/memoryEventStore.js'
import { storeContract } from './eventStoreContract.js'

storeContract('MemoryEventStore', () => new MemoryEventStore())

const users = [{ id: '1', userName: 'ada', email: 'ada@example.com' }]
const events: Event[] = [
  { id: 'a', name: 'first', userId: '1' },
  { id: 'b', name: 'second', userId: '1' },
  { id: 'c', name: 'third', userId: '1' }
]

describe('MemoryEventStore', () => {
  it('issues offset cursors: next points at the first item of the following page', async () => {
    const store = new MemoryEventStore()
    await store.load({ users, events })
    expect((await store.listEvents({ limit: 2 })).next).toBe(encodeOffsetCursor(2))
    expect((await store.listEventsByUser('1', { limit: 1 }))?.next).toBe(encodeOffsetCursor(1))
    expect((await store.listEvents({ limit: 1, cursor: encodeOffsetCursor(2) })).items).toEqual([events[2]])
  })

  it('answers an empty last page for an offset far beyond the end', async () => {
    const store = new MemoryEventStore()
    await store.load({ users, events })
    expect(await store.listEvents({ limit: 5, cursor: encodeOffsetCursor(999_999_999_999_999) })).toEqual({ items: [] })
    expect(await store.listEventsByUser('1', { limit: 5, cursor: encodeOffsetCursor(3) })).toEqual({ items: [] })
  })

  it('hands out copies, so changing a returned list does not change the store', async () => {
    const store = new MemoryEventStore()
    await store.load({ users, events })

    const page = await store.listEvents({ limit: 10 })
    ;(page.items as Event[]).length = 0
    const ofUser = await store.listEventsByUser('1', { limit: 10 })
    ;(ofUser?.items as Event[]).pop()
    const [listed] = await store.listUsers()
    ;(listed?.events as string[]).push('intruder')

    expect((await store.listEvents({ limit: 10 })).items).toEqual(events)
    expect((await store.listEventsByUser('1', { limit: 10 }))?.items).toEqual(events)
    expect((await store.listUsers())[0]?.events).toEqual(['a', 'b', 'c'])
  })
})
