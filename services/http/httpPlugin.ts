import type { FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { awaitsContinue, connectionStatsOf, httpServerFactory, sendContinue } from './connections.js'
import { GatewayError } from './errors.js'
import { parseJsonBody } from './parseJsonBody.js'
import { errorHandler, notFoundHandler, routeNotFound } from './problem.js'
import { clientErrorHandler, frameworkErrors } from './protocolErrors.js'
import { requestIdHeader, requestIdOptions } from './requestId.js'
import { failRequest, takeFailure } from './socketRequests.js'
import type { HttpSettings } from './settings.js'
import { validatorCompiler } from './validators.js'

/** Largest request body accepted by default, in bytes; a route may lower it. */
export const maxBodyBytes = 64 * 1024

export type HttpPluginOptions = Pick<HttpSettings, 'bodyTimeoutMs'>

/** What the server itself must be built with (`Fastify({ ...httpServerOptions(settings) })`): these cannot be set by a plugin. */
export function httpServerOptions (settings: Pick<HttpSettings, 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>): FastifyServerOptions {
  return {
    ...requestIdOptions,
    serverFactory: httpServerFactory(settings),
    bodyLimit: maxBodyBytes,
    // Ids are opaque and may be long; the params schemas bound them.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors,
    clientErrorHandler,
    // Requests that arrive while closing are served (their connection is closed after): Fastify's own 503 is not a problem body.
    return503OnClosing: false
  }
}

function hasBody (headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')
}

/**
 * How every route speaks HTTP: JSON bodies only (strict UTF-8, no prototype poisoning), the two
 * validators, one problem+json error handler and not-found handler, the request id echoed on every
 * answer, a body that must arrive within BODY_TIMEOUT_MS, and `100 Continue` sent only once the
 * body is needed, so that a request refused on its head alone is refused without it. Applies to
 * the whole instance; register it first.
 */
export const httpPlugin = fp<HttpPluginOptions>((app, options, done) => {
  const stats = connectionStatsOf(app.server)
  app.setValidatorCompiler(validatorCompiler)
  // Only JSON bodies are accepted: every other content type is a 415, not a parsed string.
  app.removeContentTypeParser('text/plain')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  app.addHook('onRequest', (request, reply, next) => {
    void reply.header(requestIdHeader, request.id)
    // A client still waiting to send its body will not send it if refused now: the connection cannot carry another request.
    if (awaitsContinue(request.raw)) void reply.header('connection', 'close')
    next()
  })
  app.addHook('preParsing', (request, reply, payload, next) => {
    const { raw } = request
    // Most requests have no body: nothing to wait for, nothing to time.
    if (!hasBody(raw.headers)) {
      next(null, payload)
      return
    }
    // The connection failed while the request was on its way through the hooks.
    const failure = takeFailure(raw)
    if (failure !== undefined) {
      next(failure)
      return
    }
    if (awaitsContinue(raw)) {
      // Refusals decided by the head alone are answered before the client sends its body (and the connection closed after, since it will not come).
      const length = Number(raw.headers['content-length'])
      // The not-found handler would wait for the body before answering.
      if (request.is404) {
        next(routeNotFound(request))
        return
      }
      if (!app.hasContentTypeParser(request.headers['content-type'] ?? '')) {
        next(new GatewayError('GW_ERR_REQUEST_MEDIA_TYPE', 'The request body must be application/json'))
        return
      }
      if (length > request.routeOptions.bodyLimit) {
        next(new GatewayError('GW_ERR_REQUEST_TOO_LARGE', `The request body is over ${request.routeOptions.bodyLimit} bytes`))
        return
      }
      sendContinue(raw, reply.raw)
      reply.removeHeader('connection')
    }
    const timer = setTimeout(() => {
      stats.timeouts.body += 1
      failRequest(raw, new GatewayError('GW_ERR_REQUEST_TIMEOUT', `The request body did not arrive within ${options.bodyTimeoutMs} ms`))
    }, options.bodyTimeoutMs)
    timer.unref()
    const stop = (): void => { clearTimeout(timer) }
    payload.once('end', stop).once('close', stop).once('error', stop)
    next(null, payload)
  })
  done()
}, { name: 'http', fastify: '5.x' })
