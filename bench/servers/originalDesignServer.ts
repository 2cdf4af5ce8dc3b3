import Fastify from 'fastify'
import { exitWithParent, reportListening } from './childProtocol.js'
import { readFlags } from './cliArgs.js'

/**
 * The original challenge's proxy, rebuilt for comparison: for each read it fetches the user, then
 * each of the user's events one by one, so a read takes (events × event.com's delay).
 */
exitWithParent()
const flags = readFlags(['upstream'])
const upstream = flags.upstream
if (upstream === undefined) throw new TypeError('--upstream is required')

async function getJson (path: string): Promise<unknown> {
  const response = await fetch(`${upstream}${path}`)
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`)
  return response.json()
}

const app = Fastify()
app.get<{ Params: { id: string } }>('/getEventsByUserId/:id', async (request) => {
  const user = await getJson(`/getUserById/${encodeURIComponent(request.params.id)}`) as { events: string[] }
  const events: unknown[] = []
  for (const eventId of user.events) events.push(await getJson(`/getEventById/${encodeURIComponent(eventId)}`))
  return events
})
await app.listen({ host: '127.0.0.1', port: 0 })
reportListening(app.server.address())
