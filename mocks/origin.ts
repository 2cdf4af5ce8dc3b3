/** The origin event.com's handlers are written for; the bridge rewrites every request to it. */
export const EVENT_SERVICE_ORIGIN = 'http://event.com'

/** The email provider's origin: its API is `POST /emails` under it. */
export const EMAIL_PROVIDER_ORIGIN = 'http://email.example'

/** The webhook receiver's origin: it takes any method on any path under it. */
export const WEBHOOK_RECEIVER_ORIGIN = 'http://webhooks.example'
