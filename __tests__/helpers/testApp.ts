import { onTestFinished } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../services/app.js'
import type { AppOptions } from '../../services/app.js'
import { MemoryEventStore } from '../../services/gateway/store/memoryEventStore.js'
import { createManualClock } from '../../utils/clock.js'
import type { ManualClock } from '../../utils/clock.js'
import { createManualTimeouts } from './mockedApp.js'
import type { ManualTimeouts } from './mockedApp.js'
import { seedEvents, seedUsers } from './seed.js'
import { testConfig, withConfig } from './testConfig.js'
import type { ConfigOverrides } from './testConfig.js'
import { createTestUpstream, upstreamAppOptions } from './testUpstream.js'
import type { TestUpstream } from './testUpstream.js'

export { testConfig }

export interface TestApp {
  readonly app: FastifyInstance
  readonly clock: ManualClock
  /** event.com's model, which the gateway's real client reaches in-process. */
  readonly upstream: TestUpstream
  /** The client's timeouts: they fire when the test says so. */
  readonly timeouts: ManualTimeouts
  readonly store: MemoryEventStore
}

export type TestAppOptions = Partial<Omit<AppOptions, 'config' | 'eventService' | 'eventServiceDispatcher' | 'timeoutSignal'>> & {
  config?: ConfigOverrides
  /** Default: a fresh createTestUpstream(). */
  upstream?: TestUpstream
}

/**
 * A fresh gateway per test, closed when the test ends: seeded store, the real event.com client over
 * the in-process MSW model of event.com, manual clock and timeouts, and random = 0.5 so that backoff
 * delays carry no jitter.
 */
export async function buildTestApp (options: TestAppOptions = {}): Promise<TestApp> {
  const { upstream = createTestUpstream(), config: overrides, ...appOptions } = options
  onTestFinished(() => upstream.dispatcher.destroy())
  const clock = createManualClock(1_700_000_000_000)
  const timeouts = createManualTimeouts()
  const config = withConfig(testConfig, overrides)
  const store = new MemoryEventStore()
  await store.load({ users: seedUsers, events: seedEvents })
  const app = await buildApp({
    clock: clock.now,
    random: () => 0.5,
    processMetrics: false,
    store,
    hydrate: false,
    ...appOptions,
    timeoutSignal: timeouts.create,
    ...upstreamAppOptions(upstream, config)
  })
  onTestFinished(() => app.close())
  return { app, clock, upstream, timeouts, store }
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
