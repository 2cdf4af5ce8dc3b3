import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'

/**
 * Each request's logger: a child carrying its id, as Fastify makes it, unless the logger drops
 * every line (level `silent`) and the route asks for no level of its own. Then the parent serves:
 * a child per request would only serialise bindings that no line will ever carry.
 */
export function childLoggerFactory (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (logger.level === 'silent' && options.level === undefined) return logger
  return logger.child(bindings, options)
}
