/** The soaks' client side: one answer as the client reads it, and a write retried as a careful client retries it. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Pool } from 'undici'
import type { Outcome } from '../services/http/errors.js'
import type { Write } from './soakInvariants.js'

export interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: unknown
}

/** One request through `pool`, its JSON answer read whole; undefined when the connection failed. */
export async function send (pool: Pool, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer | undefined> {
  try {
    const response = await pool.request({
      method,
      path,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? null : JSON.stringify(body)
    })
    const text = await response.body.text()
    return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) as unknown }
  } catch {
    return undefined
  }
}

export interface WriteAttempts {
  /** Sends the write once (each call may go to another instance); undefined when the connection failed. */
  readonly send: () => Promise<Answer | undefined>
  /** Counts an answer by its label (`201`, or the problem's code). */
  readonly count: (label: string) => void
  /** When retries stop, in `performance.now()` time. */
  readonly giveUpAt: number
  readonly maxAttempts: number
}

/**
 * Sends `entry` until it is acknowledged, refused for good, or out of attempts. With an
 * Idempotency-Key every 409, 502, 503 and 504 is retried with it; without one only the answers that
 * say event.com did not store the event. Waits as long as the gateway asked, or a short growing
 * backoff, never past `giveUpAt`.
 */
export async function writeWithRetries (entry: Write, attempts: WriteAttempts): Promise<void> {
  for (let attempt = 1; attempt <= attempts.maxAttempts; attempt++) {
    const answer = await attempts.send()
    if (answer === undefined) return
    if (answer.status === 201) {
      attempts.count('201')
      entry.ackId = (answer.body as { id: string }).id
      return
    }
    const problem = answer.body as { code?: string, outcome?: Outcome }
    attempts.count(problem.code ?? String(answer.status))
    if (problem.outcome !== undefined) entry.outcomes.push(problem.outcome)
    if (!retryable(entry, answer) || attempt === attempts.maxAttempts || performance.now() > attempts.giveUpAt) return
    await pause(answer, attempt, attempts.giveUpAt)
  }
}

function retryable (entry: Write, answer: Answer): boolean {
  if (entry.key !== undefined) return [409, 502, 503, 504].includes(answer.status)
  const outcome = entry.outcomes.at(-1)
  return (answer.status === 502 || answer.status === 503) && (outcome === 'not-forwarded' || outcome === 'upstream-failed')
}

/** As long as `answer`'s Retry-After asks, or 100 ms doubling per attempt; at most 2 s, never past `until`. */
export async function pause (answer: Answer | undefined, attempt: number, until: number): Promise<void> {
  const retryAfter = Number(answer?.headers['retry-after'])
  const ms = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 100 * 2 ** attempt
  await sleep(Math.min(ms, 2000, Math.max(0, until - performance.now())))
}
