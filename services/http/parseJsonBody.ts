import type { FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import { GatewayError } from './errors.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The JSON body parser: only valid UTF-8 (RFC 8259; Fastify's default would turn bad bytes into
 * U+FFFD and the gateway would forward them to event.com), and no `__proto__` or
 * `constructor.prototype` keys (secure-json-parse, as Fastify's own parser does).
 */
export function parseJsonBody (_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    done(new GatewayError('GW_ERR_REQUEST_MALFORMED_JSON', 'The body is not valid UTF-8'))
    return
  }
  if (text.trim() === '') {
    done(new GatewayError('GW_ERR_REQUEST_MALFORMED_JSON', 'The body is empty'))
    return
  }
  try {
    done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }))
  } catch {
    done(new GatewayError('GW_ERR_REQUEST_MALFORMED_JSON', 'The body is not valid JSON'))
  }
}
