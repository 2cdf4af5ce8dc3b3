import { Worker } from 'node:worker_threads'
import type { FastifyBaseLogger } from 'fastify'
import { engineMethods } from './engine/rpc.js'
import type { EngineApi, EngineEvent, EngineWorkerData, RpcReply, RpcRequest, WireError } from './engine/rpc.js'
import type { StepObservation } from './engine/stepRunner.js'

type Async<T> = { readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never }

/** An error from the engine's thread, rebuilt on this side with its name and data. */
export class EngineError extends Error {
  readonly data: Readonly<Record<string, unknown>>

  constructor (wire: WireError) {
    super(wire.message)
    this.name = wire.name
    this.data = wire.data ?? {}
  }
}

export type EngineState = 'starting' | 'ready' | 'failed' | 'stopped'

/** The engine as the gateway's thread sees it: every operation a message to the worker thread and back. */
export interface EngineClient extends Async<EngineApi> {
  readonly state: EngineState
  /** Why it failed to start or stopped working, when it did. */
  readonly failure: Error | undefined
  /** Resolves once the engine is ready; rejects if it fails to start. */
  readonly ready: Promise<void>
  /** The event names some flow may act on (triggers, exits, waits); undefined until the engine has said. */
  readonly eventNames: ReadonlySet<string> | undefined
  onObservations: (listener: (items: readonly StepObservation[]) => void) => void
  /** Stops the engine (running steps may finish, at most `timeoutMs`) and the thread. */
  stop: (timeoutMs: number) => Promise<void>
}

/** The engine has not started, has failed, or is stopping: the call was not made. */
export class EngineUnavailableError extends Error {
  constructor (state: EngineState) {
    super(`The journeys engine is ${state}`)
    this.name = 'EngineUnavailableError'
  }
}

/**
 * The worker's entry: compiled JavaScript in production; from source (tests, `npm run dev`) the
 * TypeScript entry is loaded through tsx's scoped loader, which reaches the thread's whole import tree.
 */
function startWorker (data: EngineWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./engine/engineWorker.js', import.meta.url), { workerData: data })
  const entry = new URL('./engine/engineWorker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
  return new Worker(boot, { eval: true, workerData: data })
}

/**
 * Starts the engine in a worker thread. PGlite is WebAssembly and runs on the thread that calls
 * it, so the database, the queue and the steps all live there, and the gateway's event loop never
 * waits on them (an initdb takes seconds).
 */
export function startEngineWorker (data: EngineWorkerData, log: FastifyBaseLogger): EngineClient {
  const worker = startWorker(data)
  const pending = new Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void }>()
  const listeners: ((items: readonly StepObservation[]) => void)[] = []
  let nextId = 0
  let state: EngineState = 'starting'
  let failure: Error | undefined
  let eventNames: ReadonlySet<string> | undefined
  let markReady: () => void = () => undefined
  let markFailed: (error: Error) => void = () => undefined
  const ready = new Promise<void>((resolve, reject) => { markReady = resolve; markFailed = reject })
  // Nobody may be waiting on `ready`; its failure is reported through `state` and the log.
  ready.catch(() => undefined)

  const fail = (error: Error): void => {
    if (state === 'stopped') return
    state = 'failed'
    failure = error
    markFailed(error)
    for (const waiter of pending.values()) waiter.reject(new EngineUnavailableError(state))
    pending.clear()
  }

  worker.on('message', (message: RpcReply | EngineEvent) => {
    if ('id' in message) {
      const waiter = pending.get(message.id)
      pending.delete(message.id)
      if (message.ok) waiter?.resolve(message.value)
      else waiter?.reject(new EngineError(message.error))
      return
    }
    switch (message.type) {
      case 'ready':
        state = 'ready'
        markReady()
        log.info({ database: data.databaseUrl === undefined ? 'pglite' : 'postgres' }, 'journeys engine ready')
        break
      case 'failed':
        log.error({ err: message.error }, 'journeys engine failed to start')
        fail(new EngineError(message.error))
        break
      case 'eventNames':
        eventNames = new Set(message.names)
        break
      case 'observations':
        for (const listener of listeners) listener(message.items)
        break
    }
  })
  worker.on('error', (error) => {
    log.error({ err: error }, 'journeys engine thread crashed')
    fail(error)
  })
  worker.on('exit', (code) => {
    if (state !== 'stopped') fail(new Error(`the journeys engine thread exited with code ${code}`))
  })

  function call (method: RpcRequest['method'], args: readonly unknown[]): Promise<unknown> {
    if (state !== 'ready' && !(method === 'stop' && state === 'starting')) return Promise.reject(new EngineUnavailableError(state))
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, method, args } satisfies RpcRequest)
    })
  }

  const api = Object.fromEntries(engineMethods.map((method) => [method, (...args: unknown[]) => call(method, args)])) as unknown as Async<EngineApi>

  return {
    ...api,
    get state () { return state },
    get failure () { return failure },
    ready,
    get eventNames () { return eventNames },
    onObservations: (listener) => { listeners.push(listener) },
    async stop (timeoutMs) {
      if (state === 'stopped') return
      try {
        if (state === 'starting') await Promise.race([ready, new Promise((resolve) => { setTimeout(resolve, timeoutMs).unref() })]).catch(() => undefined)
        if (state === 'ready') await call('stop', [timeoutMs])
      } catch (error) {
        log.warn({ err: error }, 'journeys engine did not stop cleanly')
      } finally {
        state = 'stopped'
        await worker.terminate()
      }
    }
  }
}
