import type { onRequestHookHandler } from 'fastify'
import { bearerGuard } from '../../http/bearerGuard.js'
import { GatewayError } from '../../http/errors.js'

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/**
 * Who may manage flows and runs: with ADMIN_TOKEN set, whoever presents it as a bearer token
 * (compared in constant time); without it, only clients on this machine (loopback), so a fresh
 * `npm start` is usable and yet not open to the network.
 */
export function managementGuard (adminToken: string | undefined): onRequestHookHandler {
  if (adminToken !== undefined) return bearerGuard(adminToken)
  return (request, reply, done) => {
    if (loopback.has(request.ip)) {
      done()
      return
    }
    void reply.header('www-authenticate', 'Bearer')
    done(new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', 'Flows and runs are managed from this machine, or with ADMIN_TOKEN set and given as a bearer token'))
  }
}
