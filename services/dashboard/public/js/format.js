/** How times, durations and counts are shown. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })

/** A timestamp (ISO string) as local date and time; an em dash when absent. */
export function when (iso) {
  if (iso === undefined || iso === null) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? String(iso) : dateTime.format(date)
}

/** A timestamp as local time of day. */
export function clock (iso) {
  if (iso === undefined || iso === null) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? String(iso) : timeOnly.format(date)
}

/** Milliseconds as "850 ms", "2.4 s", "3 min 5 s". */
export function duration (ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`
}

/** The time between two timestamps. */
export function between (startIso, endIso) {
  if (startIso === undefined || endIso === undefined) return '—'
  return duration(new Date(endIso).getTime() - new Date(startIso).getTime())
}

/** A long id shortened for a table cell; the full id stays in the title and the link. */
export function shortId (id) {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id
}

/** `{waiting: 2, completed: 5}` as "2 waiting · 5 completed". */
export function counts (byStatus) {
  const entries = Object.entries(byStatus ?? {}).filter(([, n]) => n > 0)
  if (entries.length === 0) return 'none'
  return entries.map(([status, n]) => `${n} ${status}`).join(' · ')
}
