import { createServer } from 'node:http'
import { exitWithParent, reportListening } from './childProtocol.js'

/**
 * The journeys scenario's webhook destination on bare node:http (the mocks' MSW receiver serves
 * about 1k requests/s, too close to the rates measured): every request other than the control
 * routes is read whole and answered 200 {"ok":true}, and counted.
 *   GET /__count  → {"count": n, "firstAt": ms, "lastAt": ms} (Date.now() of the first and last request counted)
 *   POST /__reset → the count starts again from 0
 */
exitWithParent()
const ok = Buffer.from('{"ok":true}')
let count = 0
let firstAt = 0
let lastAt = 0

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  request.resume()
  request.on('end', () => {
    let body = ok
    if (request.url === '/__count') {
      body = Buffer.from(JSON.stringify({ count, firstAt, lastAt }))
    } else if (request.url === '/__reset') {
      count = 0
      firstAt = 0
      lastAt = 0
    } else {
      const now = Date.now()
      if (count === 0) firstAt = now
      lastAt = now
      count += 1
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    response.end(body)
  })
})
server.listen(0, '127.0.0.1', () => { reportListening(server.address()) })
