/** The dashboard's calls to the gateway: same-origin cookies, the CSRF token on writes, 401 → login. */

const LOGIN_PAGE = '/dashboard/login.html'

let csrfToken = ''

/** An answer that was not 2xx, carrying the problem+json body's title, detail and code when there is one. */
export class ApiError extends Error {
  constructor (status, problem, retryAfterSeconds) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = problem?.code
    /** From a 429's or 503's Retry-After, in seconds, when it gave one. */
    this.retryAfterSeconds = retryAfterSeconds
  }
}

function toLogin () {
  window.location.assign(LOGIN_PAGE)
}

/**
 * Reads the session; sends the browser to the login page when there is none and resolves undefined
 * then. Otherwise resolves it: `mode` is 'token' (logged in with ADMIN_TOKEN) or 'loopback'.
 */
export async function loadSession () {
  const response = await fetch('/dashboard/session', { credentials: 'same-origin', headers: { accept: 'application/json' } })
  if (response.status === 401) {
    toLogin()
    return undefined
  }
  const session = await response.json()
  if (session.authenticated !== true) {
    toLogin()
    return undefined
  }
  csrfToken = session.csrfToken ?? ''
  return session
}

/** Ends the session, then shows the login page. */
export async function logOut () {
  await fetch('/dashboard/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
    body: '{}'
  })
  toLogin()
}

/** The `rel="next"` target of a Link header, if any. */
export function nextLink (header) {
  if (header === null) return undefined
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header)
  return match?.[1]
}

/** The value of `name` in a URL's query, e.g. the cursor of a Link target. */
export function queryParam (url, name) {
  if (url === undefined) return undefined
  return new URL(url, window.location.origin).searchParams.get(name) ?? undefined
}

/** A path with a query built from the defined, non-empty entries of `query`. */
export function withQuery (path, query) {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value))
  }
  const text = params.toString()
  return text === '' ? path : `${path}?${text}`
}

/**
 * Calls the API and resolves `{ body, next }` (`next`: the Link header's next page, when paged).
 * Rejects with an ApiError on a non-2xx answer; on 401 also goes to the login page.
 */
export async function request (method, path, body) {
  const headers = { accept: 'application/json' }
  const write = method !== 'GET'
  if (write) {
    headers['x-csrf-token'] = csrfToken
    // Always JSON, even for a write without a body: a form on another site cannot send it.
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: write ? JSON.stringify(body ?? {}) : undefined
  })
  if (response.status === 401) {
    toLogin()
    throw new ApiError(401, { title: 'Unauthorized', detail: 'Your session has ended; please log in again.' })
  }
  const text = await response.text()
  const parsed = text === '' || !(response.headers.get('content-type') ?? '').includes('json') ? undefined : JSON.parse(text)
  if (!response.ok) {
    const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10)
    throw new ApiError(response.status, parsed, Number.isFinite(retryAfter) ? retryAfter : undefined)
  }
  return { body: parsed, next: nextLink(response.headers.get('link')) }
}

export const get = async (path) => (await request('GET', path)).body
export const post = async (path, body) => (await request('POST', path, body)).body
