/** The origin event.com's handlers are written for; the bridge rewrites every request to it. */
export const EVENT_SERVICE_ORIGIN = 'http://event.com'
