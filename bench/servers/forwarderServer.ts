import Fastify from 'fastify'
import { Pool } from 'undici'
import { exitWithParent, reportListening } from './childProtocol.js'
import { readFlags } from './cliArgs.js'

/**
 * The least a forwarding route can do: parse the JSON body, send it to event.com over an undici
 * Pool (as many sockets as the gateway keeps), and answer 201 with what was sent. No validation,
 * breaker, timeout, store or id: the ceiling for the gateway's POST /addEvent.
 */
exitWithParent()
const flags = readFlags(['upstream'])
if (flags.upstream === undefined) throw new TypeError('--upstream is required')
const pool = new Pool(flags.upstream, { connections: 128 })
const headers = { 'content-type': 'application/json' }

const app = Fastify()
app.post('/addEvent', async (request, reply) => {
  const response = await pool.request({ method: 'POST', path: '/addEvent', headers, body: JSON.stringify(request.body) })
  await response.body.dump()
  return reply.code(response.statusCode === 200 ? 201 : 502).send(request.body)
})
await app.listen({ host: '127.0.0.1', port: 0 })
reportListening(app.server.address())
