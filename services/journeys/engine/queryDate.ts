import { QueryInvalidError } from './runQueries.js'

const dateTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/

function inRange (match: RegExpExecArray): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = match.slice(1).map((part: string | undefined) => Number(part ?? 0))
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetHour <= 23 && offsetMinute <= 59
}

/**
 * A query's ISO 8601 date-time with a time zone. Every field is checked against its range: `Date`
 * alone would take 2024-02-30 for March 1st.
 */
export function queryDate (field: string, text: string): Date {
  const match = dateTime.exec(text)
  const at = new Date(text)
  if (match === null || !inRange(match) || Number.isNaN(at.getTime())) throw new QueryInvalidError(field, 'is not an ISO 8601 date-time with a time zone')
  return at
}
