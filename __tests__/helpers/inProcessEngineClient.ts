import { EngineError } from '../../services/journeys/engineClient.js'
import type { EngineClient } from '../../services/journeys/index.js'
import { engineMethods, toWire } from '../../services/journeys/engine/rpc.js'
import type { StepObservation } from '../../services/journeys/engine/stepRunner.js'
import type { TestEngine } from './testEngine.js'

/**
 * The gateway's view of an engine (what the worker thread's client offers), over an engine on this
 * thread: the app under test runs its real routes and hooks, without a thread per test file.
 * Errors cross as they do from the thread, as EngineErrors carrying their name and data.
 */
export function inProcessEngineClient (test: TestEngine): EngineClient {
  const listeners: ((items: readonly StepObservation[]) => void)[] = []
  test.onObservation((observation) => {
    for (const listener of listeners) listener([observation])
  })
  const api = Object.fromEntries(engineMethods.map((method) => [method, async (...args: unknown[]) => {
    try {
      const target = test.engine as unknown as Record<string, (...values: unknown[]) => unknown>
      return structuredClone(await target[method]?.(...args))
    } catch (error) {
      throw new EngineError(toWire(error))
    }
  }]))
  return {
    ...(api as unknown as Omit<EngineClient, 'state' | 'failure' | 'ready' | 'eventNames' | 'onObservations' | 'stop'>),
    state: 'ready',
    failure: undefined,
    ready: Promise.resolve(),
    get eventNames () { return test.eventNames },
    onObservations: (listener) => { listeners.push(listener) },
    stop: () => Promise.resolve()
  }
}
