import { onTestFinished } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../services/app.js'
import type { AppOptions } from '../../services/app.js'
import { MemoryEventStore } from '../../services/gateway/store/memoryEventStore.js'
import { createManualClock } from '../../utils/clock.js'
import type { ManualClock } from '../../utils/clock.js'
import { FakeEventService, seedEvents, seedUsers } from './fakeEventService.js'
import { testConfig, withConfig } from './testConfig.js'
import type { ConfigOverrides } from './testConfig.js'

export { testConfig }

export interface TestApp {
  readonly app: FastifyInstance
  readonly clock: ManualClock
  readonly eventService: FakeEventService
  readonly store: MemoryEventStore
}

/**
 * A fresh gateway per test, closed when the test ends: seeded store, fake event.com,
 * manual clock, and random = 0.5 so that backoff delays carry no jitter.
 */
export async function buildTestApp (options: Partial<Omit<AppOptions, 'config' | 'eventService'>> & { config?: ConfigOverrides, eventService?: FakeEventService } = {}): Promise<TestApp> {
  const clock = createManualClock(1_700_000_000_000)
  const eventService = options.eventService ?? new FakeEventService()
  const store = new MemoryEventStore()
  await store.load({ users: seedUsers, events: seedEvents })
  const app = await buildApp({
    clock: clock.now,
    random: () => 0.5,
    processMetrics: false,
    store,
    hydrate: false,
    ...options,
    eventService,
    config: withConfig(testConfig, options.config)
  })
  onTestFinished(() => app.close())
  return { app, clock, eventService, store }
}

/** A POST /addEvent with a JSON body. */
export function addEvent (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/addEvent',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body)
  })
}
