import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError, InvalidFieldError, problemType } from './errors.js'
import { sendProblem } from './problem.js'

/** Requests read from each socket and not yet answered. */
const unanswered = new WeakMap<Socket, number>()

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

/** Counts a request read from `socket`, for clientErrorHandler; call from an onRequest hook. */
export function requestStarted (socket: Socket): void {
  unanswered.set(socket, (unanswered.get(socket) ?? 0) + 1)
}

/** Counts a request of `socket` answered; call from an onResponse hook. */
export function requestEnded (socket: Socket): void {
  unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1)
}

const statusText: Partial<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }

/**
 * Bytes that are not HTTP. With a request of the same connection still being handled, the
 * connection is only closed: an error answer would be taken by the client as the answer to that
 * request (a write event.com may already have). Otherwise the client gets a problem and the close.
 */
export function clientErrorHandler (error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if ((unanswered.get(socket) ?? 0) > 0 || !socket.writable) {
    socket.destroy()
    return
  }
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const body = JSON.stringify({
    type: problemType('GW_ERR_REQUEST_INVALID'),
    title: 'The request is invalid',
    status,
    detail: status === 431 ? 'The request headers are too large' : status === 408 ? 'The request took too long to arrive' : 'The request is not valid HTTP',
    code: 'GW_ERR_REQUEST_INVALID',
    outcome: 'not-forwarded'
  })
  socket.end(`HTTP/1.1 ${status} ${statusText[status] ?? 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}
