/**
 * The entry of the engine's worker thread: it starts the engine with the settings it was given,
 * answers the gateway thread's calls, and tells it when the engine is ready, which events start a
 * run, and how steps went (in batches).
 */
import { hostname } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import pino from 'pino'
import { engineOptions } from './engineOptions.js'
import { JourneyEngine } from './engine.js'
import { engineMethods, toWire } from './rpc.js'
import type { EngineEvent, EngineMethod, EngineWorkerData, RpcReply, RpcRequest } from './rpc.js'
import type { StepObservation } from './stepRunner.js'

/** Observations are sent at most this often, and at once when this many are waiting. */
const observationIntervalMs = 250
const observationBatch = 500

/** Errors the API expects and maps to a status; anything else is worth an error in the log. */
const expected = new Set(['FlowInvalidError', 'FlowNotFoundError', 'RunNotFoundError', 'RunConflictError', 'EventNotFoundError', 'CursorInvalidError', 'QueryInvalidError'])

async function main (): Promise<void> {
  const port = parentPort
  if (port === null) throw new Error('engineWorker.ts runs as a worker thread')
  const data = workerData as EngineWorkerData
  // Synchronous writes to fd 1, so nothing logged is lost when the thread is terminated.
  const log = pino({ level: data.logLevel, base: { pid: process.pid, hostname: hostname(), component: 'journeys' } }, pino.destination({ dest: 1, sync: true }))
  const send = (message: EngineEvent | RpcReply): void => { port.postMessage(message) }

  let observations: StepObservation[] = []
  let flushTimer: NodeJS.Timeout | undefined
  const flush = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer)
    flushTimer = undefined
    if (observations.length === 0) return
    send({ type: 'observations', items: observations })
    observations = []
  }
  const observe = (observation: StepObservation): void => {
    observations.push(observation)
    if (observations.length >= observationBatch) flush()
    else flushTimer ??= setTimeout(flush, observationIntervalMs)
  }

  const { options, outbound } = engineOptions(data, {
    log,
    observe,
    onEventNamesChanged: (names) => { send({ type: 'eventNames', names }) }
  })
  let engine: JourneyEngine | undefined
  let stopping: Promise<void> | undefined

  const answer = async (request: RpcRequest): Promise<void> => {
    try {
      // The client calls only once told the engine is ready; this is the guard, not the protocol.
      if (engine === undefined) throw new Error('the journeys engine is still starting')
      if (request.method === 'stop') {
        const [timeoutMs] = request.args as [number]
        stopping ??= engine.stop(timeoutMs).finally(async () => { await outbound.close(); flush() })
        await stopping
        send({ id: request.id, ok: true, value: undefined })
        return
      }
      if (!engineMethods.includes(request.method)) throw new TypeError(`unknown engine method ${JSON.stringify(request.method)}`)
      const target: Record<EngineMethod, (...args: unknown[]) => unknown> = engine as never
      const value = await target[request.method](...request.args)
      send({ id: request.id, ok: true, value })
    } catch (error) {
      const wire = toWire(error)
      if (!expected.has(wire.name)) log.error({ err: error, method: request.method }, 'journeys engine call failed')
      send({ id: request.id, ok: false, error: wire })
    }
  }
  port.on('message', (request: RpcRequest) => { void answer(request) })

  try {
    engine = await JourneyEngine.start(options)
  } catch (error) {
    await outbound.close()
    log.error({ err: error }, 'journeys engine failed to start')
    send({ type: 'failed', error: toWire(error) })
    return
  }
  send({ type: 'ready' })
}

void main()
