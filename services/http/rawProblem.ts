import { randomUUID } from 'node:crypto'
import { GatewayError } from './errors.js'
import type { ErrorCode } from './errors.js'
import { toProblem } from './problem.js'

/** A problem answered outside Fastify (the connection layer): status, headers and body, with a fresh request id. */
export interface RawProblem {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly requestId: string
}

/** The problem for `code`, ready to write; the connection is closed after it. */
export function rawProblem (code: ErrorCode, detail: string): RawProblem {
  const requestId = randomUUID()
  const error = new GatewayError(code, detail)
  const body = JSON.stringify(toProblem(error, requestId))
  return {
    status: error.statusCode,
    // Written as raw bytes too, so in the canonical case.
    headers: {
      'Content-Type': 'application/problem+json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'X-Request-Id': requestId,
      Connection: 'close'
    },
    body,
    requestId
  }
}

const reasons: Partial<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large' }

/** The same problem as raw HTTP/1.1 bytes, for a socket whose parser has given up. */
export function rawProblemBytes (problem: RawProblem): string {
  const head = Object.entries(problem.headers).map(([name, value]) => `${name}: ${value}`).join('\r\n')
  return `HTTP/1.1 ${problem.status} ${reasons[problem.status] ?? 'Bad Request'}\r\n${head}\r\n\r\n${problem.body}`
}
