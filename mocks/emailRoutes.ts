import { http, HttpResponse, type RequestHandler } from 'msw'
import type { Clock } from '../utils/clock.js'
import { canonicalJson } from './canonicalJson.js'
import { parseEmailBody } from './emailBody.js'
import { emailError } from './emailFailure.js'
import type { EmailRecords } from './emailRecords.js'
import { EMAIL_PROVIDER_ORIGIN } from './origin.js'
import { correlationOf, IDEMPOTENCY_KEY_HEADER } from './receivedRequest.js'

export interface EmailRoutesContext {
  /** Read on every request: `clear()` replaces them. */
  readonly records: () => EmailRecords
  readonly clock: Clock
  readonly newId: () => string
}

/** Resend keeps keys of 1 to 256 characters. */
const MAX_KEY_LENGTH = 256

const url = (path: string): string => `${EMAIL_PROVIDER_ORIGIN}${path}`

/**
 * `POST /emails`, Resend-shaped: validates, honours Idempotency-Key (the same key and body answer the
 * first response again without a second send; another body gets 409), answers `{ id }`. Then 405 for
 * another method on `/emails` and 404 elsewhere. Faults are added by the fault layer in front.
 */
export function createEmailRoutes (context: EmailRoutesContext): RequestHandler[] {
  return [
    http.post(url('/emails'), async ({ request }) => {
      const key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
      if (key !== null && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
        return emailError(400, 'invalid_idempotency_key', `The key must be between 1-${MAX_KEY_LENGTH} chars.`)
      }
      let body: unknown
      try {
        body = await request.json()
      } catch {
        return emailError(422, 'validation_error', 'The body must be valid JSON')
      }
      const parsed = parseEmailBody(body)
      if (!parsed.ok) return emailError(422, 'validation_error', parsed.message)

      const records = context.records()
      const fingerprint = canonicalJson(body)
      if (key !== null) {
        const first = records.firstSends.get(key)
        if (first !== undefined) {
          const counts = records.keys.of(key)
          if (first.fingerprint !== fingerprint) {
            counts.conflicts += 1
            return emailError(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.')
          }
          counts.replays += 1
          return HttpResponse.json({ id: first.id })
        }
      }
      const id = context.newId()
      records.sent.push({ id, ...parsed.email, ...correlationOf(request), receivedAt: context.clock() })
      if (key !== null) {
        records.firstSends.set(key, { fingerprint, id })
        records.keys.of(key).sends += 1
      }
      return HttpResponse.json({ id })
    }),

    http.all(url('/emails'), () => emailError(405, 'method_not_allowed', 'Method is not allowed for the requested path.')),

    http.all(url('/*'), () => emailError(404, 'not_found', 'The requested endpoint does not exist.'))
  ]
}
