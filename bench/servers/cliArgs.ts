import { parseArgs } from 'node:util'

/** Flags of the bench's child scripts, all `--name=value` strings. */
export function readFlags (names: readonly string[]): Readonly<Record<string, string | undefined>> {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]))
  const { values } = parseArgs({ options, strict: true, allowPositionals: false })
  const flags: Record<string, string | undefined> = {}
  for (const name of names) {
    const value = values[name]
    flags[name] = typeof value === 'string' ? value : undefined
  }
  return flags
}

/** A non-negative integer flag; a missing one takes the fallback, a malformed one stops the script. */
export function integerFlag (flags: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = flags[name]
  if (raw === undefined) return fallback
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value)) throw new RangeError(`--${name}=${JSON.stringify(raw)} is invalid: expected a non-negative integer`)
  return value
}
