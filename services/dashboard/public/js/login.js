/**
 * The login form works without script (a plain form post); with it, a wrong token is reported in
 * place instead of by a reload.
 */
const form = document.getElementById('login-form')
const message = document.getElementById('login-error')

function showError (text) {
  message.textContent = text
  message.hidden = false
  document.getElementById('token').focus()
}

if (new URLSearchParams(window.location.search).has('failed')) showError('That token is not the admin token.')

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  const button = form.querySelector('button')
  button.disabled = true
  try {
    const response = await fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(new FormData(form))
    })
    const landed = new URL(response.url, window.location.origin).pathname
    if (response.ok && !landed.endsWith('/login.html')) {
      window.location.assign('/dashboard/')
      return
    }
    showError(response.status === 429 ? 'Too many attempts; wait a minute and try again.' : 'That token is not the admin token.')
  } catch {
    showError('The gateway did not answer; try again.')
  } finally {
    button.disabled = false
  }
})
