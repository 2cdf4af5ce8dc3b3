import { onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../services/app.js'
import type { AppOptions } from '../../services/app.js'
import { startMockEventService } from '../../mocks/bridge.js'
import type { MockEventService, MockEventServiceOptions } from '../../mocks/bridge.js'
import { createManualClock } from '../../utils/clock.js'
import type { ManualClock } from '../../utils/clock.js'
import { testConfig, withConfig } from './testConfig.js'
import type { ConfigOverrides } from './testConfig.js'

/** Timeouts that fire when the test says so, instead of after real time has passed. */
export interface ManualTimeouts {
  readonly create: (timeoutMs: number) => AbortSignal
  /** One controller per call made so far, oldest first, not yet fired. */
  readonly pending: readonly AbortController[]
  /** Times out every call in flight. */
  fire: () => void
}

export function createManualTimeouts (): ManualTimeouts {
  let controllers: AbortController[] = []
  return {
    get pending () { return controllers },
    create () {
      const controller = new AbortController()
      controllers.push(controller)
      return controller.signal
    },
    fire () {
      for (const controller of controllers) controller.abort(new DOMException('The operation timed out', 'TimeoutError'))
      controllers = []
    }
  }
}

export interface MockedApp {
  readonly app: FastifyInstance
  readonly mock: MockEventService
  readonly clock: ManualClock
  readonly timeouts: ManualTimeouts
}

/**
 * The gateway with its real undici client, talking over sockets to the MSW mock of event.com.
 * Hydrated before it is returned; closed (with the mock) when the test ends.
 */
export async function buildMockedApp (options: {
  mock?: MockEventServiceOptions
  config?: ConfigOverrides
  app?: Partial<Omit<AppOptions, 'config'>>
} = {}): Promise<MockedApp> {
  const mock = await startMockEventService({ scenario: { name: 'healthy' }, readFailureRate: 0, addEventFailureDelayMs: 0, ...options.mock })
  onTestFinished(() => mock.close())
  const clock = createManualClock(1_700_000_000_000)
  const timeouts = createManualTimeouts()
  const app = await buildApp({
    clock: clock.now,
    random: () => 0.5,
    processMetrics: false,
    timeoutSignal: timeouts.create,
    ...options.app,
    config: withConfig(testConfig, { ...options.config, gateway: { eventServiceUrl: mock.url, ...options.config?.gateway } })
  })
  onTestFinished(() => app.close())
  await app.ready()
  await app.hydrator.hydrated
  return { app, mock, clock, timeouts }
}
