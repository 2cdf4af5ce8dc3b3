import fp from 'fastify-plugin'
import { createHealth } from './health.js'
import type { Health } from './health.js'

declare module 'fastify' {
  interface FastifyInstance {
    health: Health
  }
}

/** Decorates `health`, where each area reports its sections of `/health` and what `/ready` waits for. */
export const healthPlugin = fp((app, _options, done) => {
  app.decorate('health', createHealth())
  done()
}, { name: 'health', fastify: '5.x' })
