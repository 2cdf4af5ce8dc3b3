export type TimestampResult = { readonly ok: true, readonly ms: number } | { readonly ok: false, readonly reason: string }

// RFC 3339 (the strict profile of ISO 8601): date, time, optional fraction, and a zone that is required.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i

/**
 * Reads a timestamp such as `2030-01-31T09:00:00Z` or `2030-01-31T10:00:00.5+01:00` as epoch
 * milliseconds. The zone is required: without one the moment would depend on where the engine runs.
 * Checked field by field because Date.parse rolls impossible dates over (31 Feb becomes 3 Mar).
 * Digits past the millisecond are dropped.
 */
export function parseTimestamp (text: string): TimestampResult {
  const match = RFC3339.exec(text)
  if (match === null) {
    return { ok: false, reason: `"${text.slice(0, 64)}" is not a timestamp: expected RFC 3339 with a time zone, e.g. 2030-01-31T09:00:00Z` }
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const fraction = match[7] ?? ''
  const zone = (match[8] ?? 'Z').toUpperCase()
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))

  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const valid = year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 &&
    Math.abs(offsetMinutes) <= 23 * 60 + 59 && Number(zone.slice(4, 6) || '0') <= 59
  if (!valid) return { ok: false, reason: `"${text}" is not a real moment (check the year, from 1970, and the month, day, hour, minute, second and offset)` }

  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)))
  return { ok: true, ms: utc - offsetMinutes * 60_000 }
}
