import Fastify from 'fastify'
import { createEvents } from '../dataset.js'
import { exitWithParent, reportListening } from './childProtocol.js'
import { integerFlag, readFlags } from './cliArgs.js'

/**
 * The seed design, kept only as a benchmark reference: all events in one array, and every
 * per-user read filters all of it (O(n) per request), then sends the first page (limit 1000,
 * as the gateway does) with Fastify's default serialiser. Independent of the product's store, so
 * it stays the same reference while the store changes.
 */
exitWithParent()
const flags = readFlags(['size'])
const size = integerFlag(flags, 'size', 1000)
const pageLimit = 1000
const events = createEvents(size)

const app = Fastify()
app.get<{ Params: { id: string } }>('/getEventsByUserId/:id', (request, reply) => {
  void reply.send(events.filter((event) => event.userId === request.params.id).slice(0, pageLimit))
})
app.get('/health', () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: 0 })
reportListening(app.server.address())
