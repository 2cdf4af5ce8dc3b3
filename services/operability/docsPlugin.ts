import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { adminSecurityScheme } from '../http/bearerGuard.js'

/** Where the UI is served; the document is at `${docsPrefix}/json` (and `/yaml`). */
export const docsPrefix = '/docs'

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
        version: '1.0.0',
        license: { name: 'UNLICENSED' }
      },
      servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start with the default settings' }],
      tags: [
        { name: 'reads', description: 'Served from the gateway\'s store, never from event.com' },
        { name: 'writes', description: 'Forwarded to event.com through the circuit breaker' },
        { name: 'operability', description: 'Probes and metrics, never rate limited' },
        { name: 'admin', description: 'Operator commands; they exist only with ADMIN_TOKEN set' }
      ],
      components: {
        securitySchemes: { [adminSecurityScheme]: { type: 'http', scheme: 'bearer' } }
      }
    }
  })
  await app.register(swaggerUi, { routePrefix: docsPrefix })
}, { name: 'docs', fastify: '5.x' })
