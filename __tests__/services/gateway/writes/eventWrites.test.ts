import { describe, expect, it } from 'vitest'
import { MemoryIdempotencyKeys } from '../../../../services/gateway/idempotency/memoryIdempotencyKeys.js'
import type { Event } from '../../../../services/gateway/store/eventStore.js'
import { MemoryEventStore } from '../../../../services/gateway/store/memoryEventStore.js'
import { UpstreamStatusError, UpstreamTimeoutError } from '../../../../services/gateway/upstream/upstreamErrors.js'
import type { EventWriter } from '../../../../services/gateway/writes/eventWriter.js'
import { createEventWrites } from '../../../../services/gateway/writes/eventWrites.js'
import { createManualClock } from '../../../../utils/clock.js'
import { rejectionOf } from '../../../helpers/rejectionOf.js'

/** The write path over a seeded store and a forwarder that answers as told, recording what happens in order. */
async function harness (answers: (Error | undefined)[] = []) {
  const store = new MemoryEventStore()
  await store.load({ users: [{ id: '1', userName: 'ada', email: 'ada@example.com' }], events: [] })
  const log: string[] = []
  const forward: EventWriter = (event) => {
    log.push(`forward ${event.id}`)
    const answer = answers.shift()
    return answer === undefined ? Promise.resolve() : Promise.reject(answer)
  }
  let ids = 0
  const writes = createEventWrites({
    store,
    forward,
    keys: new MemoryIdempotencyKeys({ ttlMs: 60_000, maxKeys: 100, clock: createManualClock(0).now }),
    generateId: () => `id-${++ids}`
  })
  writes.addHook({
    prepare: (event) => { log.push(`prepare ${event.id}`); return Promise.resolve() },
    accepted: (event) => { log.push(`accepted ${event.id}`); return Promise.resolve() },
    failed: (event, outcomeUnknown) => { log.push(`failed ${event.id} ${outcomeUnknown ? 'unknown' : 'known'}`); return Promise.resolve() }
  })
  return { store, writes, log }
}

const context = { requestId: 'req-1' }

describe('eventWrites.accept', () => {
  it('prepares, forwards, stores, then runs the accepted hooks before answering 201', async () => {
    const { store, writes, log } = await harness()
    const accepted = await writes.accept({ name: 'signup', userId: '1' }, context)
    expect(accepted).toEqual({ status: 201, event: { id: 'id-1', name: 'signup', userId: '1' }, replayed: false })
    expect(log).toEqual(['prepare id-1', 'forward id-1', 'accepted id-1'])
    expect((await store.listEventsByUser('1', { limit: 10 }))?.items).toEqual([{ id: 'id-1', name: 'signup', userId: '1' }])
  })

  it('refuses the write before anything is sent when a prepare hook rejects, and frees its key', async () => {
    const { store, writes, log } = await harness()
    const refusal = new UpstreamStatusError(503)
    writes.addHook({ prepare: () => Promise.reject(refusal) })
    expect(await rejectionOf(writes.accept({ name: 'signup', userId: '1' }, { ...context, idempotencyKey: 'k' }))).toBe(refusal)
    expect(log).toEqual(['prepare id-1', 'failed id-1 known'])
    expect((await store.counts()).events).toBe(0)
  })

  it('tells the failed hooks when event.com may have the event all the same, and stores nothing', async () => {
    const { store, writes, log } = await harness([new UpstreamTimeoutError(3000), new UpstreamStatusError(500)])
    expect(await rejectionOf(writes.accept({ name: 'a', userId: '1' }, context))).toBeInstanceOf(UpstreamTimeoutError)
    expect(await rejectionOf(writes.accept({ name: 'b', userId: '1' }, context))).toBeInstanceOf(UpstreamStatusError)
    expect(log).toEqual(['prepare id-1', 'forward id-1', 'failed id-1 unknown', 'prepare id-2', 'forward id-2', 'failed id-2 known'])
    expect((await store.counts()).events).toBe(0)
  })

  it('refuses an unknown user before any hook runs', async () => {
    const { writes, log } = await harness()
    expect(await rejectionOf(writes.accept({ name: 'a', userId: '404' }, context))).toMatchObject({ code: 'GW_ERR_USER_NOT_FOUND' })
    expect(log).toEqual([])
  })

  it('replays a keyed write without running a hook or forwarding again', async () => {
    const { writes, log } = await harness()
    const first = await writes.accept({ name: 'a', userId: '1' }, { ...context, idempotencyKey: 'k' })
    const again = await writes.accept({ name: 'a', userId: '1' }, { ...context, idempotencyKey: 'k' })
    expect(again).toEqual({ ...first, replayed: true })
    expect(log).toEqual(['prepare id-1', 'forward id-1', 'accepted id-1'])
  })

  it('keeps the event id of a failed keyed write for its retry', async () => {
    const { writes } = await harness([new UpstreamStatusError(503)])
    await rejectionOf(writes.accept({ name: 'a', userId: '1' }, { ...context, idempotencyKey: 'k' }))
    const retried = await writes.accept({ name: 'a', userId: '1' }, { ...context, idempotencyKey: 'k' })
    expect(retried.event).toEqual<Event>({ id: 'id-1', name: 'a', userId: '1' })
  })
})
