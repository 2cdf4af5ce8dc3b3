import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { buildApp } from '../../../../services/app.js'
import { startMockEventService } from '../../../../mocks/bridge.js'
import type { MockEventServiceOptions } from '../../../../mocks/bridge.js'
import { testConfig, withConfig } from '../../../helpers/testConfig.js'

/** A sleep that records each wait and returns at once: hydration retries without real time passing. */
function recordingSleep (): { delays: number[], sleep: (ms: number) => Promise<void> } {
  const delays: number[] = []
  return { delays, sleep: (ms) => { delays.push(ms); return Promise.resolve() } }
}

async function start (mockOptions: MockEventServiceOptions, sleep: (ms: number, signal: AbortSignal) => Promise<void>) {
  const mock = await startMockEventService({ readFailureRate: 0, addEventFailureDelayMs: 0, ...mockOptions })
  onTestFinished(() => mock.close())
  const app = await buildApp({ config: withConfig(testConfig, { gateway: { eventServiceUrl: mock.url } }), random: () => 0.5, sleep })
  onTestFinished(() => app.close())
  await app.ready()
  return { app, mock }
}

describe('hydration', () => {
  it("loads event.com's users and events once the app is ready, turning ids into strings", async () => {
    const { app } = await start({ scenario: { name: 'healthy' } }, recordingSleep().sleep)
    await app.hydrator.hydrated
    const users = (await app.inject('/getUsers')).json<{ id: string, events: string[] }[]>()
    expect(users.map((user) => [user.id, user.events])).toEqual([['1', ['1', '2']], ['2', ['3']], ['3', ['4']]])
    expect((await app.inject('/getEvents')).json<unknown[]>()).toHaveLength(4)
  })

  it("retries through event.com's random read failures with growing backoff", async () => {
    // The mock fails a read when its random draw is under the failure rate: fail the first three draws.
    let failing = 3
    const { delays, sleep } = recordingSleep()
    const { app } = await start({ scenario: { name: 'original' }, readFailureRate: 0.05, random: () => (failing-- > 0 ? 0.01 : 0.5) }, sleep)
    await app.hydrator.hydrated

    // Users are read first: the first three attempts each lose that read, the fourth succeeds.
    expect(app.hydrator.failures).toBe(3)
    expect(delays).toEqual([250, 500, 1000])
    const health = (await app.inject('/health')).json<{ store: unknown }>()
    expect(health.store).toEqual({ state: 'ready', users: 3, events: 4, hydrationFailures: 3 })
  })

  it('starts while event.com is down, answers /health meanwhile, and hydrates when it comes back', async () => {
    const waits: { ms: number, resume: () => void }[] = []
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => { waits.push({ ms, resume: resolve }) })
    const { app, mock } = await start({ scenario: { name: 'down' } }, sleep)

    await vi.waitFor(() => { expect(waits).toHaveLength(1) })
    expect((await app.inject('/ready')).statusCode).toBe(503)
    const health = await app.inject('/health')
    expect(health.statusCode).toBe(200)
    expect(health.json<{ store: { state: string, hydrationFailures: number } }>().store).toMatchObject({ state: 'hydrating', hydrationFailures: 1 })

    waits[0]?.resume()
    await vi.waitFor(() => { expect(waits).toHaveLength(2) })
    expect(waits.map((wait) => wait.ms)).toEqual([250, 500])

    mock.setScenario({ name: 'healthy' })
    waits[1]?.resume()
    await app.hydrator.hydrated
    expect((await app.inject('/ready')).statusCode).toBe(200)
    expect((await app.inject('/getEventsByUserId/1')).json<unknown[]>()).toHaveLength(2)
  })

  it('doubles the wait between attempts up to 10 s', async () => {
    const waits: number[] = []
    const { app, mock } = await start({ scenario: { name: 'down' } }, (ms) => {
      waits.push(ms)
      if (waits.length === 12) mock.setScenario({ name: 'healthy' })
      return Promise.resolve()
    })
    await app.hydrator.hydrated
    expect(waits.slice(0, 7)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000])
    expect(waits.slice(7)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000])
  })

  it('stops retrying when the app closes', async () => {
    const waits: number[] = []
    const { app } = await start({ scenario: { name: 'down' } }, (ms, signal) => {
      waits.push(ms)
      return new Promise((resolve) => { signal.addEventListener('abort', () => { resolve() }) })
    })
    await vi.waitFor(() => { expect(waits).toHaveLength(1) })
    await app.close()
    expect(app.hydrator.state).toBe('stopped')
    expect(waits).toHaveLength(1)
  })
})
