import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { connectionStatsOf } from './connections.js'
import { GatewayError, InvalidFieldError } from './errors.js'
import type { ErrorCode } from './errors.js'
import { sendProblem } from './problem.js'
import { rawProblem, rawProblemBytes } from './rawProblem.js'
import { failRequest, lastRequestOf, whenAnswered } from './socketRequests.js'

/**
 * Errors Fastify meets before a route runs (a path that is not valid percent-encoding, a parameter
 * longer than the router takes) answered as problems like any other.
 */
export function frameworkErrors (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const gatewayError = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new InvalidFieldError('params/id', 'is too long')
    : new GatewayError('GW_ERR_REQUEST_INVALID', error.code === 'FST_ERR_BAD_URL' ? 'The path is not valid percent-encoded UTF-8' : 'The request is invalid')
  void sendProblem(reply, gatewayError)
}

/** What a parser error means for the client, in the gateway's words. */
function problemFor (error: Error & { code?: string }): { code: ErrorCode, detail: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { code: 'GW_ERR_REQUEST_TIMEOUT', detail: 'The request did not arrive in time' }
  if (error.code === 'HPE_HEADER_OVERFLOW') return { code: 'GW_ERR_REQUEST_HEADERS_TOO_LARGE', detail: 'The request headers are too large' }
  return { code: 'GW_ERR_REQUEST_INVALID', detail: 'The request is not valid HTTP' }
}

/**
 * Bytes that are not HTTP, or a request that did not arrive in time. Every request read before the
 * bad one is answered first, in order: a response still owed is never lost with the connection (a
 * pipelined write may already be at event.com). A request whose body was arriving when the parser
 * gave up is failed through Fastify, so it gets its own problem; otherwise a problem for the bad
 * bytes follows the owed answers. Then the connection is closed. Bound to the Fastify instance.
 */
export function clientErrorHandler (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const { code, detail } = problemFor(error)
  const last = lastRequestOf(socket)
  const unfinished = last !== undefined && !last.request.complete ? last.request : undefined
  const stats = connectionStatsOf(this.server)
  // Node reports both of its timeouts alike: with no request half-read, it was the head that did not come.
  if (code === 'GW_ERR_REQUEST_TIMEOUT') stats.timeouts[unfinished === undefined ? 'headers' : 'request'] += 1
  else stats.protocolErrors += 1
  this.log.warn({ code, parserError: error.code, lastRequestId: last?.id }, code === 'GW_ERR_REQUEST_TIMEOUT' ? 'request timed out on a connection' : 'protocol error on a connection')

  // Fastify is reading this body: failing the stream makes it answer through the error handler, in order.
  if (unfinished !== undefined) failRequest(unfinished, new GatewayError(code, detail))
  whenAnswered(socket, () => {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    // Destroyed once the answer is handed to the kernel: a client that never reads would otherwise keep
    // the half-closed socket, and its descriptor, for as long as it likes.
    const release = (): void => { socket.destroy() }
    if (unfinished !== undefined) socket.end(release)
    else socket.end(rawProblemBytes(rawProblem(code, detail)), release)
  })
}
