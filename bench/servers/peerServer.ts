import rateLimit from '@fastify/rate-limit'
import Fastify from 'fastify'
import type { Event } from '../../services/gateway/store/eventStore.js'
import { createEvents, createUsers } from '../dataset.js'
import { exitWithParent, reportListening } from './childProtocol.js'
import { integerFlag, readFlags } from './cliArgs.js'

/**
 * The peer: the seed design as a user would build it today, kept only as a benchmark reference.
 * Fastify, events indexed by user in a Map, @fastify/rate-limit registered at its defaults (global,
 * in-memory store, its x-ratelimit-* headers) except `max`, raised out of reach as the bench
 * gateways' limits are, and a hand-rolled breaker as the original challenge asks for: after
 * `threshold` failed calls in a row, writes are refused for `--open-ms`, then one call may try.
 * --upstream is event.com for writes.
 */
exitWithParent()
const flags = readFlags(['size', 'upstream', 'open-ms'])
const size = integerFlag(flags, 'size', 1000)
const openMs = integerFlag(flags, 'open-ms', 30_000)
const upstream = flags.upstream ?? 'http://127.0.0.1:9'
const pageLimit = 1000
const threshold = 3

const byUser = new Map<string, Event[]>(createUsers().map((user) => [user.id, []]))
for (const event of createEvents(size)) byUser.get(event.userId)?.push(event)

let failures = 0
let openedAt: number | undefined

const app = Fastify()
await app.register(rateLimit, { max: 100_000_000 })

app.get<{ Params: { id: string } }>('/getEventsByUserId/:id', (request, reply) => {
  const events = byUser.get(request.params.id)
  if (events === undefined) return reply.code(404).send({ error: 'user not found' })
  return reply.send(events.length > pageLimit ? events.slice(0, pageLimit) : events)
})

app.post<{ Body: { name: string, userId: string, details?: string } }>('/addEvent', {
  schema: {
    body: {
      type: 'object',
      required: ['name', 'userId'],
      properties: { name: { type: 'string' }, userId: { type: 'string' }, details: { type: 'string' } }
    }
  }
}, async (request, reply) => {
  if (openedAt !== undefined && Date.now() - openedAt < openMs) {
    const retryAfter = Math.ceil((openMs - (Date.now() - openedAt)) / 1000)
    return reply.code(503).header('retry-after', String(retryAfter)).send({ error: 'event service unavailable', retryAfter })
  }
  try {
    const response = await fetch(`${upstream}/addEvent`, { method: 'POST', body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } })
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`event.com answered ${response.status}`)
    failures = 0
    openedAt = undefined
  } catch {
    failures += 1
    if (failures >= threshold) openedAt = Date.now()
    return reply.code(502).send({ error: 'event service failed' })
  }
  const event = { id: crypto.randomUUID(), ...request.body }
  byUser.get(event.userId)?.push(event)
  return reply.code(201).send(event)
})

app.get('/health', () => ({ status: 'ok', breaker: { state: openedAt === undefined ? 'closed' : 'open' } }))

await app.listen({ host: '127.0.0.1', port: 0 })
reportListening(app.server.address())
