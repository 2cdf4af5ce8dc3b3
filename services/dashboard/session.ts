import { createHmac, randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../utils/clock.js'
import { csrfHeader, csrfMatches, csrfTokenOf } from './csrf.js'

/** The session cookie's name. */
export const sessionCookie = 'gw_session'

/** How long a session lasts from login, in milliseconds. */
export const sessionMaxAgeMs = 12 * 3_600_000

export interface Session {
  readonly id: string
  /** Milliseconds since the epoch. */
  readonly expiresAt: number
}

/** A key for one purpose, derived from ADMIN_TOKEN (sessions then outlive a restart), or random for this process. */
function keyFor (purpose: string, adminToken: string | undefined, random: Buffer): Buffer {
  return createHmac('sha256', adminToken ?? random).update(`event-gateway dashboard ${purpose}`).digest()
}

/**
 * The dashboard's sessions, held by nobody: the cookie carries the session's id and expiry, signed
 * by @fastify/cookie with `cookieSecret`; its CSRF token is an HMAC of the id. Changing ADMIN_TOKEN
 * ends every session. Logging out clears the cookie; a copy of it stays valid until it expires.
 */
export class DashboardSessions {
  /** The key @fastify/cookie signs the session cookie with. */
  readonly cookieSecret: Buffer
  readonly #csrfKey: Buffer
  readonly #clock: Clock

  constructor (adminToken: string | undefined, clock: Clock) {
    const random = randomBytes(32)
    this.cookieSecret = keyFor('cookie', adminToken, random)
    this.#csrfKey = keyFor('csrf', adminToken, random)
    this.#clock = clock
  }

  /** Starts a session: sets its cookie on `reply` (Secure when the request came over HTTPS). */
  issue (request: FastifyRequest, reply: FastifyReply): Session {
    const session = { id: randomBytes(18).toString('base64url'), expiresAt: this.#clock() + sessionMaxAgeMs }
    void reply.setCookie(sessionCookie, `${session.id}.${session.expiresAt}`, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: request.protocol === 'https',
      maxAge: Math.floor(sessionMaxAgeMs / 1000)
    })
    return session
  }

  clear (request: FastifyRequest, reply: FastifyReply): void {
    void reply.clearCookie(sessionCookie, { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https' })
  }

  /** The request's session, when its cookie is ours, intact and not expired. */
  read (request: FastifyRequest): Session | undefined {
    const raw = request.cookies[sessionCookie]
    if (raw === undefined) return undefined
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid) return undefined
    const match = /^([\w-]{24})\.(\d{1,16})$/.exec(unsigned.value)
    if (match === null) return undefined
    const session = { id: match[1] ?? '', expiresAt: Number(match[2]) }
    return session.expiresAt > this.#clock() ? session : undefined
  }

  csrfToken (session: Session): string {
    return csrfTokenOf(this.#csrfKey, session.id)
  }

  /** Whether `given` (a header or form field) is the session's CSRF token. */
  csrfValid (session: Session, given: unknown): boolean {
    return csrfMatches(this.csrfToken(session), typeof given === 'string' ? given : undefined)
  }

  /** For the management routes' guard: the session, if any, and whether the request carries its CSRF token. */
  readonly check = (request: FastifyRequest): { readonly csrf: boolean } | undefined => {
    const session = this.read(request)
    return session === undefined ? undefined : { csrf: this.csrfValid(session, request.headers[csrfHeader]) }
  }
}
