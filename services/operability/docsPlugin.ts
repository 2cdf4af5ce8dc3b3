import swagger from '@fastify/swagger'
import type { SwaggerTransform } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifySchema } from 'fastify'
import fp from 'fastify-plugin'
import { adminSecurityScheme } from '../http/bearerGuard.js'

/** Where the UI is served; the document is at `${docsPrefix}/json` (and `/yaml`). */
export const docsPrefix = '/docs'

/**
 * Errors are sent as application/problem+json, while the route schemas cannot say so: the document
 * gets that media type for every 4xx and 5xx response instead of the default application/json.
 */
const problemMediaType: SwaggerTransform = ({ schema, url }) => {
  const responses: unknown = schema.response
  if (!isRecord(responses)) return { schema, url }
  const response = Object.fromEntries(Object.entries(responses).map(([status, body]) => [
    status,
    status.startsWith('4') || status.startsWith('5')
      ? { description: 'Problem details (RFC 9457)', content: { 'application/problem+json': { schema: body } } }
      : body
  ]))
  const transformed: FastifySchema = { ...schema, response }
  return { schema: transformed, url }
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * Serves the OpenAPI 3.1 document generated from the route schemas at /docs/json and Swagger UI at
 * /docs; the docs' own routes are left out of the document. Register it BEFORE any route:
 * @fastify/swagger collects routes through onRoute, so routes added earlier never appear.
 */
export const docsPlugin = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'event-gateway',
        description: 'A fast, resilient gateway in front of event.com: per-user reads from an indexed store, writes through a circuit breaker.',
        // The version of the API contract, not of the package.
        version: '1.0.0'
      },
      components: {
        securitySchemes: { [adminSecurityScheme]: { type: 'http', scheme: 'bearer' } }
      }
    },
    transform: problemMediaType
  })
  await app.register(swaggerUi, { routePrefix: docsPrefix })
}, { name: 'docs', fastify: '5.x' })
