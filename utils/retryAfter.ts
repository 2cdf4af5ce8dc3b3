const DELTA_SECONDS = /^\d+$/
// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. Checked before Date.parse
// because V8's parser also accepts things like '1.5' or '-1' and turns them into dates.
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * Reads a `Retry-After` field value as milliseconds from `now` (epoch ms). Accepts delta-seconds
 * and IMF-fixdate; anything else, including dates at or before `now`, is `undefined`, so a bad
 * header behaves as if it were absent. For a repeated header the first value wins.
 */
export function parseRetryAfter (value: string | readonly string[] | undefined, now: number): number | undefined {
  const raw = typeof value === 'string' ? value : value?.[0]
  if (raw === undefined) return undefined
  const text = raw.trim()

  if (DELTA_SECONDS.test(text)) {
    const ms = Number(text) * 1000
    return Number.isFinite(ms) ? ms : undefined
  }

  if (!IMF_FIXDATE.test(text)) return undefined
  const at = Date.parse(text)
  // The round trip rejects impossible dates that Date.parse would roll over (31 Feb, 25:00:00)
  // and a weekday that does not match the date.
  if (Number.isNaN(at) || new Date(at).toUTCString() !== text) return undefined
  return at > now ? at - now : undefined
}

/** The `Retry-After` delta-seconds we send for a wait of `ms` milliseconds: rounded up, at least 1 s so clients never retry at once. */
export function retryAfterSeconds (ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
