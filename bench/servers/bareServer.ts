import Fastify from 'fastify'
import { encodeOffsetCursor } from '../../services/gateway/store/cursor.js'
import type { Event } from '../../services/gateway/store/eventStore.js'
import { generateEvents, heavyUserId, lightUserId } from '../dataset.js'
import { exitWithParent, reportListening } from './childProtocol.js'
import { integerFlag, readFlags } from './cliArgs.js'

/**
 * The ceiling for the gateway's routes: bare Fastify routes that send bytes computed once at
 * start, byte for byte what the gateway answers (the runner checks), with no store, schema,
 * hook or plugin in between. The breaker-open answer is primed by the runner with one the gateway
 * actually sent (PUT /__bench/addEvent), so it follows whatever the product's problem body becomes.
 */
exitWithParent()
const flags = readFlags(['size'])
const size = integerFlag(flags, 'size', 1000)
const pageLimit = 1000

// Streamed, keeping only what is served: this process never holds the whole store.
const firstEvents: Event[] = []
const userEvents = new Map<string, Event[]>([[lightUserId, []], [heavyUserId, []]])
for (const event of generateEvents(size)) {
  if (firstEvents.length < pageLimit) firstEvents.push(event)
  const list = userEvents.get(event.userId)
  if (list !== undefined && list.length < pageLimit) list.push(event)
}
const byUser = new Map([...userEvents].map(([userId, list]) => [userId, JSON.stringify(list)]))
const firstPage = JSON.stringify(firstEvents)
const firstPageLink = size > pageLimit
  ? `</getEvents?limit=${pageLimit}&cursor=${encodeOffsetCursor(pageLimit)}>; rel="next"`
  : undefined
interface PrimedAnswer { status: number, type: string, retryAfter: string, body: string }
let breakerOpen: PrimedAnswer = { status: 500, type: 'text/plain', retryAfter: '0', body: 'not primed' }
const primedAnswerSchema = {
  type: 'object',
  required: ['status', 'type', 'retryAfter', 'body'],
  properties: { status: { type: 'integer' }, type: { type: 'string' }, retryAfter: { type: 'string' }, body: { type: 'string' } }
} as const

const json = 'application/json; charset=utf-8'
const app = Fastify()
app.get<{ Params: { id: string } }>('/getEventsByUserId/:id', (request, reply) => {
  void reply.type(json).send(byUser.get(request.params.id) ?? '[]')
})
app.get('/getEvents', (_request, reply) => {
  if (firstPageLink !== undefined) void reply.header('link', firstPageLink)
  void reply.type(json).send(firstPage)
})
app.put<{ Body: PrimedAnswer }>('/__bench/addEvent', { schema: { body: primedAnswerSchema } }, (request, reply) => {
  breakerOpen = request.body
  void reply.code(204).send()
})
app.post('/addEvent', (_request, reply) => {
  void reply.code(breakerOpen.status).header('retry-after', breakerOpen.retryAfter).type(breakerOpen.type).send(breakerOpen.body)
})
app.get('/health', (_request, reply) => { void reply.type(json).send('{"status":"ok"}') })

await app.listen({ host: '127.0.0.1', port: 0 })
reportListening(app.server.address())
