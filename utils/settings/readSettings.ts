import type { Setting } from './setting.js'

export type Env = Readonly<Record<string, string | undefined>>

/** A table of settings, keyed by the name the program uses. */
export type SettingsTable = Readonly<Record<string, Setting<unknown>>>

/** The values a table describes, by key: the type a plugin receives as its section. */
export type SettingsOf<T extends SettingsTable> = { readonly [K in keyof T]: T[K] extends Setting<infer V> ? V : never }

/** A rule across several settings of one table; returns a problem, or undefined when it holds. */
export type CrossCheck<T extends SettingsTable> = (values: SettingsOf<T>, valid: (key: keyof T) => boolean) => string | undefined

export interface ReadResult<T extends SettingsTable> {
  /** Every setting, with its default where the variable was unset, empty or invalid. */
  readonly values: SettingsOf<T>
  /** One line per invalid variable, naming it, the value (unless secret) and what was expected. */
  readonly problems: readonly string[]
}

/** Settings that cannot be used; `problems` has one line for each. */
export class SettingsError extends Error {
  readonly problems: readonly string[]

  constructor (problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'SettingsError'
    this.problems = problems
  }
}

/** The table's defaults, frozen. */
export function defaultsOf<T extends SettingsTable> (table: T): SettingsOf<T> {
  return Object.freeze(Object.fromEntries(Object.entries(table).map(([key, setting]) => [key, setting.default]))) as SettingsOf<T>
}

/**
 * Reads every setting of `table` from `env`. An empty variable counts as unset. Reports every
 * problem at once rather than stopping at the first, so one start shows everything to fix.
 */
export function readSettings<T extends SettingsTable> (table: T, env: Env, checks: readonly CrossCheck<T>[] = []): ReadResult<T> {
  const values: Record<string, unknown> = {}
  const problems: string[] = []
  const invalid = new Set<string>()
  for (const [key, setting] of Object.entries(table)) {
    const raw = env[setting.env]
    if (raw === undefined || raw === '') {
      values[key] = setting.default
      continue
    }
    const parsed = setting.parse(raw)
    if (parsed.ok) {
      values[key] = parsed.value
    } else {
      values[key] = setting.default
      invalid.add(key)
      problems.push(setting.secret === true
        ? `${setting.env} is invalid: expected ${parsed.expected} (value not shown)`
        : `${setting.env}=${JSON.stringify(raw)} is invalid: expected ${parsed.expected}`)
    }
  }
  const frozen = Object.freeze(values) as SettingsOf<T>
  for (const check of checks) {
    // A default standing in for a bad value would make a cross-check mislead, so checks are told which are valid.
    const problem = check(frozen, (key) => !invalid.has(String(key)))
    if (problem !== undefined) problems.push(problem)
  }
  return { values: frozen, problems }
}
