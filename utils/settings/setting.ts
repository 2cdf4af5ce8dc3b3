/**
 * One setting read from the environment: its variable, what it means, its default and how a raw
 * value is checked. A table of these is the single source of a config type, its validation, its
 * defaults and its documentation (see `readSettings`).
 */
export interface Setting<T> {
  /** The environment variable, e.g. `UPSTREAM_TIMEOUT_MS`. */
  readonly env: string
  /** One line on what it does, for the README's table. */
  readonly doc: string
  /** The value used when the variable is unset or empty. */
  readonly default: T
  /** The default as the README shows it, e.g. `3000`, `unset`, `empty`. */
  readonly shownDefault: string
  /** Unit of a number, e.g. `ms`; absent for counts and text. */
  readonly unit?: string
  /** The values it accepts, in words, for the README's table, e.g. `1–600000 ms`. */
  readonly shownValues: string
  /** Never echo the value in a message. */
  readonly secret?: boolean
  /** Checks a non-empty raw value: the value, or what was expected instead. */
  readonly parse: (raw: string) => Parsed<T>
}

export type Parsed<T> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly expected: string }

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const expected = <T>(text: string): Parsed<T> => ({ ok: false, expected: text })

interface Common { readonly env: string, readonly doc: string }

/** A whole number written as plain decimal digits, within [min, max]. */
export function integer (options: Common & { readonly default: number, readonly min: number, readonly max: number, readonly unit?: string }): Setting<number> {
  const { min, max } = options
  if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max)) {
    throw new RangeError(`${options.env}: min and max should be safe integers with min <= max, got ${min} and ${max}`)
  }
  if (!Number.isSafeInteger(options.default) || options.default < min || options.default > max) {
    throw new RangeError(`${options.env}: the default should be an integer from ${min} to ${max}, got ${options.default}`)
  }
  return {
    ...options,
    shownDefault: String(options.default),
    shownValues: `${min}–${max}${options.unit === undefined ? '' : ` ${options.unit}`}`,
    parse (raw) {
      const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
      return Number.isSafeInteger(value) && value >= min && value <= max ? ok(value) : expected(`an integer from ${min} to ${max}`)
    }
  }
}

/** Like `integer`, but unset by default: `undefined` unless the variable is given. */
export function optionalInteger (options: Common & { readonly min: number, readonly max: number, readonly unit?: string }): Setting<number | undefined> {
  const { parse, shownValues } = integer({ ...options, default: options.min })
  return { ...options, default: undefined, shownDefault: 'unset', shownValues, parse }
}

/** One of a fixed list of words. */
export function oneOf<const V extends string> (options: Common & { readonly values: readonly V[], readonly default: V }): Setting<V> {
  return {
    ...options,
    shownDefault: options.default,
    shownValues: options.values.join(', '),
    parse: (raw) => {
      const value = options.values.find((candidate) => candidate === raw)
      return value === undefined ? expected(`one of ${options.values.join(', ')}`) : ok(value)
    }
  }
}

/** `true` or `false`. */
export function boolean (options: Common & { readonly default: boolean }): Setting<boolean> {
  return {
    ...options,
    shownDefault: String(options.default),
    shownValues: 'true, false',
    parse: (raw) => raw === 'true' ? ok(true) : raw === 'false' ? ok(false) : expected('true or false')
  }
}

/** Free text checked by `check`, which returns the value to keep (possibly normalised) or undefined. */
export function text<T extends string | undefined> (options: Common & {
  readonly default: T
  readonly expected: string
  readonly check: (raw: string) => string | undefined
  readonly secret?: boolean
}): Setting<T | string> {
  return {
    ...options,
    shownDefault: options.default ?? 'unset',
    shownValues: options.expected,
    parse: (raw) => {
      const value = options.check(raw)
      return value === undefined ? expected(options.expected) : ok(value)
    }
  }
}

/** Comma-separated items, each checked by `check`; spaces around items are ignored, empty items dropped. */
export function list (options: Common & { readonly expected: string, readonly check: (item: string) => boolean }): Setting<readonly string[]> {
  return {
    ...options,
    default: Object.freeze([]),
    shownDefault: 'empty',
    shownValues: options.expected,
    parse: (raw) => {
      const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '')
      const bad = items.filter((item) => !options.check(item))
      return bad.length === 0
        ? ok(Object.freeze(items))
        : expected(`${options.expected} (not ${bad.map((item) => JSON.stringify(item)).join(', ')})`)
    }
  }
}
