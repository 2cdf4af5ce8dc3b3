// Not the MSW mock of event.com (mocks/bridge.ts) the tests use: measured on this 2-core machine
// (Node 20; server on CPU 0, `autocannon -c 50 -d 5 -m POST` of POST /addEvent on CPU 1; 6 interleaved
// runs), the bridge served 0.9–1.2k req/s (scenario healthy, seed user 1) and --mode=ok here 13–23k req/s.
// The cost is the MSW handlers themselves (in-process, with no socket, they answer about 1.2k req/s).
// The gateway forwards about 11k req/s (RESULTS.md, scenario 3), so behind the bridge the bench would
// measure the mock, not the gateway.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { createEvents, createUsers } from '../dataset.js'
import { exitWithParent, reportListening } from './childProtocol.js'
import { integerFlag, readFlags } from './cliArgs.js'

/**
 * A stand-in for event.com on bare node:http, so that its own cost stays far below the gateway's.
 * --mode=ok:          POST /addEvent answers 200 {"success":true}; GET /ping 200 {"ok":true} (calibration)
 * --mode=unavailable: everything answers 503 (no Retry-After), to trip the breaker
 * --mode=events:      GET /getUsers and /getEvents serve --size events (bodies built once), writes as ok
 * --mode=original:    the original event.com reads: /getUserById/:id, and /getEventById/:id after --event-delay-ms
 */
exitWithParent()
const flags = readFlags(['mode', 'size', 'event-delay-ms'])
const mode = flags.mode ?? 'ok'
const size = integerFlag(flags, 'size', 1000)
const eventDelayMs = integerFlag(flags, 'event-delay-ms', 500)

const success = Buffer.from('{"success":true}')
const pong = Buffer.from('{"ok":true}')
const unavailable = Buffer.from('{"error":"Service Unavailable"}')

function send (response: ServerResponse, status: number, body: Buffer | string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  response.end(body)
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void

function okHandler (): Handler {
  return (request, response) => {
    // Read the whole body first, as a real service would, before answering.
    request.resume()
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/addEvent') send(response, 200, success)
      else if (request.method === 'GET' && request.url === '/ping') send(response, 200, pong)
      else send(response, 404, '{"error":"Not Found"}')
    })
  }
}

function eventsHandler (): Handler {
  const users = Buffer.from(JSON.stringify(createUsers()))
  const events = Buffer.from(JSON.stringify(createEvents(size)))
  const writes = okHandler()
  return (request, response) => {
    if (request.method === 'GET' && request.url === '/getUsers') send(response, 200, users)
    else if (request.method === 'GET' && request.url === '/getEvents') send(response, 200, events)
    else writes(request, response)
  }
}

function originalHandler (): Handler {
  const events = createEvents(size)
  const eventsById = new Map(events.map((event) => [event.id, JSON.stringify(event)]))
  const usersById = new Map(createUsers().map((user) => [user.id, JSON.stringify({
    ...user,
    events: events.filter((event) => event.userId === user.id).map((event) => event.id)
  })]))
  return (request, response) => {
    const [, route, id = ''] = (request.url ?? '').split('/')
    if (route === 'getUserById') {
      const user = usersById.get(decodeURIComponent(id))
      send(response, user === undefined ? 404 : 200, user ?? '{"error":"Not Found"}')
    } else if (route === 'getEventById') {
      void sleep(eventDelayMs).then(() => {
        const event = eventsById.get(decodeURIComponent(id))
        send(response, event === undefined ? 404 : 200, event ?? '{"error":"Not Found"}')
      })
    } else {
      send(response, 404, '{"error":"Not Found"}')
    }
  }
}

const handlers: Record<string, () => Handler> = {
  ok: okHandler,
  unavailable: () => (request, response) => {
    request.resume()
    request.on('end', () => { send(response, 503, unavailable) })
  },
  events: eventsHandler,
  original: originalHandler
}
const makeHandler = handlers[mode]
if (makeHandler === undefined) throw new RangeError(`--mode=${JSON.stringify(mode)} is invalid: expected one of ${Object.keys(handlers).join(', ')}`)

const server = createServer({ keepAliveTimeout: 60_000 }, makeHandler())
server.listen(0, '127.0.0.1', () => { reportListening(server.address()) })
