/** One live region for what the user's actions did and for errors while polling. */

let region

export function attachNotices (element) {
  region = element
}

/** Shows `message`; `kind` is 'info' or 'error'. */
export function notify (message, kind = 'info') {
  if (region === undefined) return
  region.textContent = message
  region.className = `notice notice-${kind}`
  region.hidden = false
}

export function clearNotice () {
  if (region === undefined) return
  region.textContent = ''
  region.hidden = true
}

/** The message of anything thrown, for a notice. */
export function describeError (error) {
  if (error instanceof Error) return error.message
  return String(error)
}
