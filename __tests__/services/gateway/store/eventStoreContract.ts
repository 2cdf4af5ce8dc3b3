import { describe, it, expect } from 'vitest'
import { isGatewayError } from '../../../../services/http/errors.js'
import type { Event, EventStore, Page, User } from '../../../../services/gateway/store/eventStore.js'

function user (id: string): User {
  return { id, userName: `name-${id}`, email: `${id}@example.com` }
}

function event (id: string, userId: string, details?: string): Event {
  return details === undefined ? { id, name: `event-${id}`, userId } : { id, name: `event-${id}`, userId, details }
}

function ids (items: readonly { readonly id: string }[]): string[] {
  return items.map((item) => item.id)
}

const isRequestInvalid = (error: unknown): boolean => isGatewayError(error, 'GW_ERR_REQUEST_INVALID')

/** Follows `next` from the first page to the last, failing if it takes more than maxPages pages. */
async function collectPages (fetch: (cursor: string | undefined) => Promise<Page<Event> | undefined>, maxPages: number): Promise<Page<Event>[]> {
  const pages: Page<Event>[] = []
  let cursor: string | undefined
  do {
    const page = await fetch(cursor)
    if (page === undefined) return expect.unreachable('the listing answered undefined')
    pages.push(page)
    expect(pages.length).toBeLessThanOrEqual(maxPages)
    cursor = page.next
  } while (cursor !== undefined)
  return pages
}

/** Checks the page sizes, that `next` is on every page but the last, and that the pages hold `expected` in order. */
function expectPaged (pages: readonly Page<Event>[], expected: readonly Event[], limit: number): void {
  const sizes = pages.map((page) => page.items.length)
  const expectedSizes = Array.from({ length: Math.max(1, Math.ceil(expected.length / limit)) }, (_, index) =>
    Math.min(limit, expected.length - index * limit))
  expect(sizes).toEqual(expectedSizes)
  expect(pages.map((page) => page.next !== undefined)).toEqual(expectedSizes.map((_, index) => index < expectedSizes.length - 1))
  expect(pages.flatMap((page) => page.items)).toEqual(expected)
}

/** Calls a listing and expects a rejected promise (not a synchronous throw) with GW_ERR_REQUEST_INVALID. */
async function expectRejectedCursor (call: () => Promise<unknown>): Promise<void> {
  let outcome: unknown
  try {
    outcome = call()
  } catch (error) {
    outcome = error
  }
  expect(outcome).toBeInstanceOf(Promise)
  await expect(outcome).rejects.toSatisfy(isRequestInvalid)
}

/** Strings that are not a cursor this store issued, including variants of one it did issue. */
function foreignCursors (issued: string): string[] {
  const rebased = Buffer.from(issued, 'base64url').toString('base64')
  const variants = ['garbage', '', ' ', '=', '-1', 'null', 'undefined', '%00', '{"offset":1}',
    `${issued}=`, ` ${issued}`, `${issued} `, `${issued}${issued}`]
  return rebased === issued ? variants : [...variants, rebased]
}

// Ten events, interleaved between users '1' and '2' (five each), some with details; user '3' has none.
const users = [user('1'), user('2'), user('3')]
const events = Array.from({ length: 10 }, (_, index) =>
  event(`e${index}`, index % 2 === 0 ? '1' : '2', index % 3 === 0 ? `details ${index}` : undefined))
const eventsOf = (userId: string): Event[] => events.filter((item) => item.userId === userId)

export interface ContractOptions {
  /** The store has `listEventsByUserJsonNow` (default true): its index is in this process. */
  readonly answersAtOnce?: boolean
}

/**
 * The behaviours every EventStore must have. Run it once per implementation:
 * `storeContract('MemoryEventStore', () => new MemoryEventStore())`. makeStore must return an empty store.
 */
export function storeContract (name: string, makeStore: () => EventStore | Promise<EventStore>, { answersAtOnce = true }: ContractOptions = {}): void {
  describe(`${name} (EventStore contract)`, () => {
    async function loadedStore (): Promise<EventStore> {
      const store = await makeStore()
      await store.load({ users, events })
      return store
    }

    it('is empty when new', async () => {
      const store = await makeStore()
      expect(await store.counts()).toEqual({ users: 0, events: 0 })
      expect(await store.listUsers()).toEqual([])
      const page = await store.listEvents({ limit: 10 })
      expect(page.items).toEqual([])
      expect(page.next).toBeUndefined()
      expect(await store.hasUser('1')).toBe(false)
      expect(await store.listEventsByUser('1', { limit: 10 })).toBeUndefined()
    })

    describe('load', () => {
      it('returns the counts of what it stored', async () => {
        const store = await makeStore()
        expect(await store.load({ users, events })).toEqual({ users: 3, events: 10 })
        expect(await store.counts()).toEqual({ users: 3, events: 10 })
      })

      it('replaces every user and event stored before', async () => {
        const store = await loadedStore()
        const counts = await store.load({ users: [user('9')], events: [event('x1', '9')] })

        expect(counts).toEqual({ users: 1, events: 1 })
        expect(await store.counts()).toEqual({ users: 1, events: 1 })
        expect(await store.hasUser('1')).toBe(false)
        expect(await store.listEventsByUser('1', { limit: 10 })).toBeUndefined()
        expect(await store.listUsers()).toEqual([{ ...user('9'), events: ['x1'] }])
        expect((await store.listEvents({ limit: 100 })).items).toEqual([event('x1', '9')])
      })

      it('forgets the old event ids, so one of them can be added again after a reload', async () => {
        const store = await loadedStore()
        await store.load({ users: [user('9')], events: [] })
        await store.addEvent(event('e0', '9'))

        expect((await store.listEvents({ limit: 100 })).items).toEqual([event('e0', '9')])
        expect((await store.listEventsByUser('9', { limit: 100 }))?.items).toEqual([event('e0', '9')])
      })

      it('can empty the store', async () => {
        const store = await loadedStore()
        expect(await store.load({ users: [], events: [] })).toEqual({ users: 0, events: 0 })
        expect(await store.listUsers()).toEqual([])
        expect((await store.listEvents({ limit: 10 })).items).toEqual([])
      })

      it('keeps one event per id, the first one, when the snapshot repeats an id', async () => {
        const store = await makeStore()
        const counts = await store.load({
          users: [user('1'), user('2')],
          events: [event('a', '1', 'first'), event('b', '2'), { id: 'a', name: 'again', userId: '2' }, event('b', '2')]
        })

        expect(counts).toEqual({ users: 2, events: 2 })
        expect((await store.listEvents({ limit: 10 })).items).toEqual([event('a', '1', 'first'), event('b', '2')])
        expect((await store.listEventsByUser('2', { limit: 10 }))?.items).toEqual([event('b', '2')])
        expect((await store.listUsers()).find((item) => item.id === '1')?.events).toEqual(['a'])
      })

      it('is not affected by later changes to the arrays it was given', async () => {
        const store = await makeStore()
        const snapshotUsers = [user('1')]
        const snapshotEvents = [event('a', '1')]
        await store.load({ users: snapshotUsers, events: snapshotEvents })
        snapshotUsers.push(user('2'))
        snapshotEvents.push(event('b', '1'))

        expect(await store.counts()).toEqual({ users: 1, events: 1 })
        expect(await store.hasUser('2')).toBe(false)
        expect((await store.listEventsByUser('1', { limit: 10 }))?.items).toEqual([event('a', '1')])
      })
    })

    describe('hasUser', () => {
      it('answers true for loaded users and false for others', async () => {
        const store = await loadedStore()
        for (const item of users) expect(await store.hasUser(item.id)).toBe(true)
        expect(await store.hasUser('4')).toBe(false)
        expect(await store.hasUser('')).toBe(false)
      })
    })

    describe('getUser', () => {
      it('answers each loaded user as loaded, and undefined for others', async () => {
        const store = await loadedStore()
        for (const item of users) expect(await store.getUser(item.id)).toEqual(item)
        expect(await store.getUser('4')).toBeUndefined()
      })
    })

    describe('listUsers', () => {
      it('returns each user with the ids of their events in insertion order', async () => {
        const store = await loadedStore()
        const listed = [...await store.listUsers()].sort((a, b) => a.id.localeCompare(b.id))
        expect(listed).toEqual(users.map((item) => ({ ...item, events: ids(eventsOf(item.id)) })))
      })

      it('lists a user without events with an empty list', async () => {
        const store = await makeStore()
        await store.load({ users: [user('lonely')], events: [] })
        expect(await store.listUsers()).toEqual([{ ...user('lonely'), events: [] }])
      })

      it('includes events added later with addEvent, after the loaded ones', async () => {
        const store = await loadedStore()
        await store.addEvent(event('late-1', '3'))
        await store.addEvent(event('late-2', '1'))
        await store.addEvent(event('late-3', '3'))

        const byId = new Map((await store.listUsers()).map((item) => [item.id, item.events]))
        expect(byId.get('1')).toEqual([...ids(eventsOf('1')), 'late-2'])
        expect(byId.get('2')).toEqual(ids(eventsOf('2')))
        expect(byId.get('3')).toEqual(['late-1', 'late-3'])
      })
    })

    describe('listEvents', () => {
      it('returns every event in insertion order, loaded ones first, then added ones', async () => {
        const store = await loadedStore()
        await store.addEvent(event('late', '2', 'added'))
        const page = await store.listEvents({ limit: 100 })
        expect(page.items).toEqual([...events, event('late', '2', 'added')])
        expect(page.next).toBeUndefined()
      })

      it('returns at most limit events, with next only when more remain', async () => {
        const store = await loadedStore()

        const first = await store.listEvents({ limit: 4 })
        expect(first.items).toEqual(events.slice(0, 4))
        expect(first.next).toEqual(expect.any(String))

        const exact = await store.listEvents({ limit: 10 })
        expect(exact.items).toEqual(events)
        expect(exact.next).toBeUndefined()

        const oneShort = await store.listEvents({ limit: 9 })
        expect(oneShort.items).toEqual(events.slice(0, 9))
        const last = await store.listEvents({ limit: 9, cursor: oneShort.next })
        expect(last.items).toEqual(events.slice(9))
        expect(last.next).toBeUndefined()
      })

      for (const limit of [1, 2, 3, 4, 5, 9, 10, 11, 1000]) {
        it(`visits every event exactly once following cursors with limit ${limit}`, async () => {
          const store = await loadedStore()
          const pages = await collectPages((cursor) => store.listEvents({ limit, cursor }), events.length + 1)
          expectPaged(pages, events, limit)
        })
      }

      it('continues a cursor issued before addEvent into the events added since', async () => {
        const store = await loadedStore()
        const first = await store.listEvents({ limit: 3 })
        const second = await store.listEvents({ limit: 3, cursor: first.next })
        expect(ids(second.items)).toEqual(['e3', 'e4', 'e5'])
        await store.addEvent(event('late-1', '1'))
        await store.addEvent(event('late-2', '3'))

        const pages = await collectPages((cursor) => store.listEvents({ limit: 3, cursor: cursor ?? second.next }), 10)
        expect(pages.flatMap((page) => ids(page.items))).toEqual(['e6', 'e7', 'e8', 'e9', 'late-1', 'late-2'])
      })

      it('gives an empty last page for a cursor beyond the end', async () => {
        const store = await loadedStore()
        const first = await store.listEvents({ limit: 4 })
        const { next } = await store.listEvents({ limit: 4, cursor: first.next })
        expect(next).toEqual(expect.any(String))

        await store.load({ users, events: events.slice(0, 3) })
        const beyond = await store.listEvents({ limit: 4, cursor: next })
        expect(beyond.items).toEqual([])
        expect(beyond.next).toBeUndefined()

        await store.load({ users, events: events.slice(0, 8) })
        const atEnd = await store.listEvents({ limit: 4, cursor: next })
        expect(atEnd.items).toEqual([])
        expect(atEnd.next).toBeUndefined()
      })

      it('rejects a cursor it did not issue with GW_ERR_REQUEST_INVALID', async () => {
        const store = await loadedStore()
        const { next } = await store.listEvents({ limit: 2 })
        expect(next).toEqual(expect.any(String))
        for (const cursor of foreignCursors(next ?? '')) {
          await expectRejectedCursor(() => store.listEvents({ limit: 2, cursor }))
        }
      })
    })

    describe('listEventsByUser', () => {
      it('returns the events of that user in insertion order, including added ones', async () => {
        const store = await loadedStore()
        await store.addEvent(event('late', '2'))
        const page = await store.listEventsByUser('2', { limit: 100 })
        expect(page?.items).toEqual([...eventsOf('2'), event('late', '2')])
        expect(page?.next).toBeUndefined()
      })

      it('returns an empty page for a known user without events', async () => {
        const store = await loadedStore()
        const page = await store.listEventsByUser('3', { limit: 10 })
        expect(page).toBeDefined()
        expect(page?.items).toEqual([])
        expect(page?.next).toBeUndefined()
      })

      it('returns undefined for an unknown user, even one that events point at', async () => {
        const store = await makeStore()
        await store.load({ users: [user('1')], events: [event('a', '1'), event('b', 'ghost')] })
        expect(await store.listEventsByUser('ghost', { limit: 10 })).toBeUndefined()
        expect(await store.listEventsByUser('4', { limit: 10 })).toBeUndefined()
      })

      for (const limit of [1, 2, 3, 4, 5, 6, 100]) {
        it(`visits every event of the user exactly once following cursors with limit ${limit}`, async () => {
          const store = await loadedStore()
          const expected = eventsOf('1')
          expect(expected).toHaveLength(5)
          const pages = await collectPages((cursor) => store.listEventsByUser('1', { limit, cursor }), expected.length + 1)
          expectPaged(pages, expected, limit)
        })
      }

      it('gives an empty last page for a cursor beyond the end', async () => {
        const store = await loadedStore()
        const page = await store.listEventsByUser('1', { limit: 4 })
        expect(page?.next).toEqual(expect.any(String))

        await store.load({ users, events: [event('only', '1')] })
        const beyond = await store.listEventsByUser('1', { limit: 4, cursor: page?.next })
        expect(beyond?.items).toEqual([])
        expect(beyond?.next).toBeUndefined()
      })

      it('rejects a cursor it did not issue with GW_ERR_REQUEST_INVALID', async () => {
        const store = await loadedStore()
        const page = await store.listEventsByUser('1', { limit: 2 })
        expect(page?.next).toEqual(expect.any(String))
        for (const cursor of foreignCursors(page?.next ?? '')) {
          await expectRejectedCursor(() => store.listEventsByUser('1', { limit: 2, cursor }))
        }
      })
    })

    describe('addEvent', () => {
      it('appends the event to the store, its user and the counts', async () => {
        const store = await loadedStore()
        await store.addEvent(event('new', '3', 'some details'))

        expect(await store.counts()).toEqual({ users: 3, events: 11 })
        expect((await store.listEventsByUser('3', { limit: 10 }))?.items).toEqual([event('new', '3', 'some details')])
        expect((await store.listEvents({ limit: 100 })).items.at(-1)).toEqual(event('new', '3', 'some details'))
      })

      it('changes nothing when the id is already stored, whoever it names', async () => {
        const store = await loadedStore()
        await store.addEvent(event('late', '1'))
        const before = {
          counts: await store.counts(),
          users: await store.listUsers(),
          events: await store.listEvents({ limit: 100 }),
          ofUser2: await store.listEventsByUser('2', { limit: 100 })
        }

        await store.addEvent({ id: 'e0', name: 'impostor', userId: '2', details: 'replaced?' })
        await store.addEvent(event('e9', '1'))
        await store.addEvent({ id: 'late', name: 'again', userId: '3' })

        expect(await store.counts()).toEqual(before.counts)
        expect(await store.listUsers()).toEqual(before.users)
        expect(await store.listEvents({ limit: 100 })).toEqual(before.events)
        expect(await store.listEventsByUser('2', { limit: 100 })).toEqual(before.ofUser2)
        expect(await store.listEventsByUser('3', { limit: 100 })).toEqual({ items: [] })
      })
    })

    describe('serialised pages', () => {
      /** The JSON form must be exactly the object form, serialised with keys in the order id, name, userId, details. */
      async function expectSameAsObjects (store: EventStore, userId: string | undefined, page: { limit: number, cursor?: string }): Promise<void> {
        const objects = userId === undefined ? await store.listEvents(page) : await store.listEventsByUser(userId, page)
        const json = userId === undefined ? await store.listEventsJson(page) : await store.listEventsByUserJson(userId, page)
        expect(json?.json).toBe(JSON.stringify(objects?.items.map(({ id, name, userId: owner, details }) => ({ id, name, userId: owner, details }))))
        expect(json?.next).toBe(objects?.next)
      }

      it('match the object pages, page by page, for all events and for each user', async () => {
        const store = await loadedStore()
        for (const limit of [1, 3, 10, 100]) {
          let cursor: string | undefined
          do {
            await expectSameAsObjects(store, undefined, cursor === undefined ? { limit } : { limit, cursor })
            cursor = (await store.listEvents(cursor === undefined ? { limit } : { limit, cursor })).next
          } while (cursor !== undefined)
          for (const userId of ['1', '2', '3']) await expectSameAsObjects(store, userId, { limit })
        }
      })

      it('escape what JSON needs escaped', async () => {
        const store = await makeStore()
        await store.load({ users: [user('q"\\')], events: [{ id: 'x"</script>', name: 'line\nbreak \u2028 😀', userId: 'q"\\', details: '\u0000\t' }] })
        const page = await store.listEventsByUserJson('q"\\', { limit: 10 })
        expect(JSON.parse(page?.json ?? '')).toEqual([{ id: 'x"</script>', name: 'line\nbreak \u2028 😀', userId: 'q"\\', details: '\u0000\t' }])
      })

      it('show events added after a page was read', async () => {
        const store = await loadedStore()
        const before = await store.listEventsByUserJson('3', { limit: 10 })
        expect(before?.json).toBe('[]')
        const lastBefore = await store.listEventsJson({ limit: 100 })
        await store.addEvent(event('new', '3'))
        expect(JSON.parse((await store.listEventsByUserJson('3', { limit: 10 }))?.json ?? '')).toEqual([event('new', '3')])
        const lastAfter = await store.listEventsJson({ limit: 100 })
        expect(lastAfter.json).not.toBe(lastBefore.json)
        await expectSameAsObjects(store, undefined, { limit: 100 })
      })

      it('give a full page a next cursor once the list grows past it', async () => {
        const store = await loadedStore()
        const exact = await store.listEventsJson({ limit: 10 })
        expect(exact.next).toBeUndefined()
        await store.addEvent(event('eleventh', '1'))
        const grown = await store.listEventsJson({ limit: 10 })
        expect(grown.json).toBe(exact.json)
        expect(grown.next).toBeDefined()
      })

      it('forget everything on load', async () => {
        const store = await loadedStore()
        await store.listEventsJson({ limit: 10 })
        await store.load({ users, events: events.slice(0, 2) })
        await expectSameAsObjects(store, undefined, { limit: 10 })
        await expectSameAsObjects(store, '1', { limit: 10 })
      })

      it('are undefined for an unknown user and reject a bad cursor', async () => {
        const store = await loadedStore()
        expect(await store.listEventsByUserJson('nobody', { limit: 10 })).toBeUndefined()
        await expect(store.listEventsJson({ limit: 10, cursor: 'garbage' })).rejects.toMatchObject({ code: 'GW_ERR_REQUEST_INVALID' })
        await expect(store.listEventsByUserJson('1', { limit: 10, cursor: 'garbage' })).rejects.toMatchObject({ code: 'GW_ERR_REQUEST_INVALID' })
      })

      if (answersAtOnce) it('are answered at once, the same page as promised, and thrown where it rejects', async () => {
        const store = await loadedStore()
        const now = store.listEventsByUserJsonNow?.bind(store)
        if (now === undefined) throw new Error(`${name} has no listEventsByUserJsonNow`)
        for (const limit of [1, 3, 100]) {
          for (const userId of ['1', '2', '3', 'nobody']) {
            let cursor: string | undefined
            do {
              const page = cursor === undefined ? { limit } : { limit, cursor }
              const answered = now(userId, page)
              expect(answered).toEqual(await store.listEventsByUserJson(userId, page))
              cursor = answered?.next
            } while (cursor !== undefined)
          }
        }
        await store.addEvent(event('later', '3'))
        expect(JSON.parse(now('3', { limit: 10 })?.json ?? '')).toEqual([event('later', '3')])
        expect(() => now('1', { limit: 10, cursor: 'garbage' })).toThrow(expect.objectContaining({ code: 'GW_ERR_REQUEST_INVALID' }))
      })
    })

    describe('ids', () => {
      it('compares ids as strings: "1", "01" and "1.0" are different users and events', async () => {
        const store = await makeStore()
        const counts = await store.load({
          users: [user('1'), user('01'), user('1.0')],
          events: [event('7', '1'), event('07', '01'), event('7.0', '1.0')]
        })

        expect(counts).toEqual({ users: 3, events: 3 })
        expect(await store.hasUser('001')).toBe(false)
        expect((await store.listEventsByUser('1', { limit: 10 }))?.items).toEqual([event('7', '1')])
        expect((await store.listEventsByUser('01', { limit: 10 }))?.items).toEqual([event('07', '01')])
        expect((await store.listEventsByUser('1.0', { limit: 10 }))?.items).toEqual([event('7.0', '1.0')])
      })

      it('treats __proto__, constructor and other Object.prototype names as ordinary ids', async () => {
        const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']
        const store = await makeStore()
        for (const id of names) {
          expect(await store.hasUser(id)).toBe(false)
          expect(await store.listEventsByUser(id, { limit: 10 })).toBeUndefined()
        }

        const counts = await store.load({
          users: names.slice(0, 5).map(user),
          events: names.map((id, index) => event(id, names[(index + 1) % 5]!))
        })

        expect(counts).toEqual({ users: 5, events: 6 })
        expect(await store.hasUser('prototype')).toBe(false)
        expect(await store.listEventsByUser('prototype', { limit: 10 })).toBeUndefined()
        expect((await store.listEventsByUser('constructor', { limit: 10 }))?.items).toEqual([event('__proto__', 'constructor'), event('prototype', 'constructor')])
        expect((await store.listEventsByUser('toString', { limit: 10 }))?.items).toEqual([event('constructor', 'toString')])
        await store.addEvent(event('toString', '__proto__'))
        await store.addEvent(event('__proto__', 'valueOf'))
        expect((await store.listEventsByUser('__proto__', { limit: 10 }))?.items).toEqual([event('valueOf', '__proto__')])
        const listed = [...await store.listUsers()].sort((a, b) => a.id.localeCompare(b.id))
        expect(listed.map((item) => item.id)).toEqual([...names.slice(0, 5)].sort((a, b) => a.localeCompare(b)))
        expect(listed.find((item) => item.id === '__proto__')?.events).toEqual(['valueOf'])
      })
    })

    describe('at scale', () => {
      // Functional only; the longer timeout leaves room for a networked store's round trips.
      it('keeps the per-user lookup correct with 100k events across 1000 users', { timeout: 60_000 }, async () => {
        const userCount = 1000
        const eventCount = 100_000
        const manyUsers = Array.from({ length: userCount }, (_, index) => user(`u${index}`))
        // 7919 is prime, so each user gets exactly 100 events, spread over the whole list.
        const manyEvents = Array.from({ length: eventCount }, (_, index) => event(`ev${index}`, `u${(index * 7919) % userCount}`))
        const expected = new Map<string, string[]>(manyUsers.map((item) => [item.id, []]))
        for (const item of manyEvents) expected.get(item.userId)!.push(item.id)

        const store = await makeStore()
        expect(await store.load({ users: manyUsers, events: manyEvents })).toEqual({ users: userCount, events: eventCount })
        await store.addEvent(event('extra-1', 'u999'))
        await store.addEvent(event('ev5', 'u1'))
        expected.get('u999')!.push('extra-1')

        const listed = await store.listUsers()
        expect(listed).toHaveLength(userCount)
        for (const item of listed) expect(item.events).toEqual(expected.get(item.id))

        for (const item of manyUsers) {
          const page = await store.listEventsByUser(item.id, { limit: 101 })
          expect(ids(page?.items ?? [])).toEqual(expected.get(item.id))
        }

        for (const userId of ['u0', 'u1', 'u500', 'u999']) {
          const pages = await collectPages((cursor) => store.listEventsByUser(userId, { limit: 30, cursor }), 5)
          expect(pages.flatMap((page) => ids(page.items))).toEqual(expected.get(userId))
        }

        const all = await collectPages((cursor) => store.listEvents({ limit: 7000, cursor }), 16)
        expect(all).toHaveLength(15)
        expect(all.flatMap((page) => ids(page.items))).toEqual([...ids(manyEvents), 'extra-1'])
        expect(await store.counts()).toEqual({ users: userCount, events: eventCount + 1 })
      })
    })
  })
}
