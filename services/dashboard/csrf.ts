import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** The header a cookie-authenticated request that changes something must carry. */
export const csrfHeader = 'x-csrf-token'

/** The session's CSRF token: an HMAC of its id, so nothing is stored and only this process's key can make one. */
export function csrfTokenOf (key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(`csrf:${sessionId}`).digest('base64url')
}

/** Whether `given` is `expected`, in constant time (both hashed first, so lengths do not leak). */
export function csrfMatches (expected: string, given: string | undefined): boolean {
  if (given === undefined) return false
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(expected), digest(given))
}
