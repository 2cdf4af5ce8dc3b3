import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** What one connection has read and not yet answered. */
interface Pending {
  count: number
  /** The last request read on it: the one whose body may still be arriving. */
  last: IncomingMessage | undefined
  /** Called once every request read so far is answered. */
  drained: (() => void)[]
}

const pendingBySocket = new WeakMap<Socket, Pending>()

// Kept on the objects themselves rather than in WeakMaps: written for every request, and a
// WeakMap entry per request is paid again by the garbage collector.
const requestIdKey = Symbol('requestId')
const pendingKey = Symbol('pending')
const closedKey = Symbol('closed')
type WithId = IncomingMessage & { [requestIdKey]?: string }
type WithPending = ServerResponse & { [pendingKey]?: Pending | undefined, [closedKey]?: ClosedListener }

/** Told once a response is closed: sent whole, or its connection gone. */
export type ClosedListener = (response: ServerResponse) => void

function pendingOf (socket: Socket): Pending {
  let pending = pendingBySocket.get(socket)
  if (pending === undefined) {
    pending = { count: 0, last: undefined, drained: [] }
    pendingBySocket.set(socket, pending)
  }
  return pending
}

/**
 * Counts a request read from its connection until its response is finished or the connection is
 * gone. Call it from the server's 'request' listener, before Fastify runs, so that pipelined
 * requests are counted in the order they were read.
 */
export function trackRequest (request: IncomingMessage, response: ServerResponse): void {
  const pending = pendingOf(request.socket)
  pending.count += 1
  pending.last = request
  ;(response as WithPending)[pendingKey] = pending
  // A response closes once; one listener shared by all of them, rather than a closure each.
  response.on('close', answered)
}

function answered (this: WithPending): void {
  this[closedKey]?.(this)
  const pending = this[pendingKey]
  if (pending === undefined) return
  this[pendingKey] = undefined
  pending.count -= 1
  if (pending.count > 0) return
  const waiting = pending.drained
  pending.drained = []
  for (const resume of waiting) resume()
}

function closed (this: WithPending): void {
  this[closedKey]?.(this)
}

/**
 * Calls `listener` once `response` is closed, as its 'close' event would. A response counted by
 * `trackRequest` is told from the listener that already counts it: one listener per response, not
 * two (an emitter with two listeners for an event copies their array on every emit). `listener`
 * is one function shared by every response, not a closure per response; a later call replaces it.
 */
export function onClosed (response: ServerResponse, listener: ClosedListener): void {
  const tracked = response as WithPending
  const first = tracked[closedKey] === undefined
  tracked[closedKey] = listener
  if (first && tracked[pendingKey] === undefined) response.on('close', closed)
}

/** Remembers the id the gateway gave a request, for logs about its connection. */
export function rememberRequestId (request: IncomingMessage, id: string): void {
  (request as WithId)[requestIdKey] = id
}

/** The last request read on `socket` and its id, if any. */
export function lastRequestOf (socket: Socket): { readonly request: IncomingMessage, readonly id: string | undefined } | undefined {
  const last = pendingBySocket.get(socket)?.last
  return last === undefined ? undefined : { request: last, id: (last as WithId)[requestIdKey] }
}

/** Runs `then` once every request read on `socket` has been answered (at once when none is owed). */
export function whenAnswered (socket: Socket, then: () => void): void {
  const pending = pendingBySocket.get(socket)
  if (pending === undefined || pending.count === 0) then()
  else pending.drained.push(then)
}

const failures = new WeakMap<IncomingMessage, Error>()

/**
 * Fails a request whose body can no longer arrive: its body stream errors when it is being read;
 * when it is not read yet, the failure waits for the reader (`takeFailure`), since an 'error'
 * nobody listens to would end the process.
 */
export function failRequest (request: IncomingMessage, error: Error): void {
  if (request.listenerCount('error') > 0) request.emit('error', error)
  else failures.set(request, error)
}

/** The failure waiting for this request's body reader, if any (taken once). */
export function takeFailure (request: IncomingMessage): Error | undefined {
  const failure = failures.get(request)
  failures.delete(request)
  return failure
}
