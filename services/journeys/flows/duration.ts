import { flowLimits } from './flowLimits.js'

export type DurationResult = { readonly ok: true, readonly ms: number } | { readonly ok: false, readonly reason: string }

const UNIT_MS = { W: 7 * 86_400_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1000 } as const
type Unit = keyof typeof UNIT_MS

// Weeks and days before the T, hours, minutes and seconds after it; a decimal fraction ("." or ",")
// only on the last component, as ISO 8601 allows.
const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`
const ISO_DURATION = new RegExp(`^P(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`)
const UNITS: readonly Unit[] = ['W', 'D', 'H', 'M', 'S']
// A Y, or an M before the T: months and years.
const CALENDAR_UNIT = /^P[^T]*[YM]/
const MAX_TEXT_LENGTH = 64
const EXAMPLES = 'an ISO 8601 duration such as PT30S, PT0.5S, P2D, P1DT2H or P1W, or whole milliseconds'

/**
 * Reads a duration: an ISO 8601 duration (`PT2S`, `P2D`, `P1DT2H`, `PT0.5S`, `P1W`, case-insensitive)
 * or a whole number of milliseconds, from 0 to `flowLimits.maxDurationMs`. Years and months are
 * refused because they have no fixed length; so is anything finer than a millisecond.
 */
export function parseDuration (value: unknown): DurationResult {
  let ms: number
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return fail(`${String(value)} is not a duration: a number is a whole count of milliseconds, 0 or more`)
    ms = value
  } else if (typeof value === 'string') {
    const parsed = parseIso(value)
    if (!parsed.ok) return parsed
    ms = parsed.ms
  } else {
    return fail(`a duration is ${EXAMPLES}`)
  }
  if (ms > flowLimits.maxDurationMs) return fail(`${String(value)} is longer than the longest duration allowed, 365 days (P365D)`)
  return { ok: true, ms }
}

function parseIso (text: string): DurationResult {
  const upper = text.toUpperCase()
  if (upper.length > MAX_TEXT_LENGTH) return fail(`a duration is at most ${MAX_TEXT_LENGTH} characters`)
  if (CALENDAR_UNIT.test(upper)) {
    return fail(`"${text}" uses years or months, which have no fixed length; write days (P30D) or weeks (P4W) instead`)
  }
  const match = ISO_DURATION.exec(upper)
  const parts: readonly (string | undefined)[] = match?.slice(1) ?? []
  const given = UNITS.flatMap((unit, index) => {
    const part = parts[index]
    return part === undefined ? [] : [{ part, unit }]
  })
  if (match === null || given.length === 0 || upper.endsWith('T')) return fail(`"${text}" is not a duration: expected ${EXAMPLES}`)
  if (given.slice(0, -1).some(({ part }) => /[.,]/.test(part))) {
    return fail(`"${text}": only the last component of a duration may have a fraction`)
  }

  // Exact arithmetic: 1.005 * 1000 is 1004.999… in floating point.
  let total = 0n
  for (const { part, unit } of given) {
    const [whole = '0', fraction = ''] = part.split(/[.,]/)
    const scale = 10n ** BigInt(fraction.length)
    const scaled = (BigInt(whole) * scale + BigInt(fraction === '' ? '0' : fraction)) * BigInt(UNIT_MS[unit])
    if (scaled % scale !== 0n) return fail(`"${text}" is finer than a millisecond`)
    total += scaled / scale
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`"${text}" is longer than the longest duration allowed, 365 days (P365D)`)
  return { ok: true, ms: Number(total) }
}

function fail (reason: string): DurationResult {
  return { ok: false, reason }
}
