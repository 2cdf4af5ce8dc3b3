import type { FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { parseJsonBody } from './parseJsonBody.js'
import { errorHandler, notFoundHandler } from './problem.js'
import { clientErrorHandler, frameworkErrors, requestEnded, requestStarted } from './protocolErrors.js'
import { requestIdHeader, requestIdOptions } from './requestId.js'
import { validatorCompiler } from './validators.js'

/** Largest request body accepted by default, in bytes; a route may lower it. */
export const maxBodyBytes = 64 * 1024

/** What the server itself must be built with (`Fastify({ ...httpServerOptions })`): these cannot be set by a plugin. */
export const httpServerOptions = {
  ...requestIdOptions,
  bodyLimit: maxBodyBytes,
  // Ids are opaque and may be long; the params schemas bound them.
  routerOptions: { maxParamLength: 512 },
  frameworkErrors,
  clientErrorHandler
} as const satisfies FastifyServerOptions

/**
 * How every route speaks HTTP: JSON bodies only (strict UTF-8, no prototype poisoning), the two
 * validators, one problem+json error handler and not-found handler, and the request id echoed on
 * every answer. Applies to the whole instance; register it first.
 */
export const httpPlugin = fp((app, _options, done) => {
  app.setValidatorCompiler(validatorCompiler)
  // Only JSON bodies are accepted: every other content type is a 415, not a parsed string.
  app.removeContentTypeParser('text/plain')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  // One hook each way, paid on every request: the id echo, and the count of unanswered requests per connection (for protocol errors).
  app.addHook('onRequest', (request, reply, next) => {
    void reply.header(requestIdHeader, request.id)
    requestStarted(request.raw.socket)
    next()
  })
  app.addHook('onResponse', (request, _reply, next) => {
    requestEnded(request.raw.socket)
    next()
  })
  done()
}, { name: 'http', fastify: '5.x' })
