import { parseDuration } from './duration.js'
import type { Filter, JsonValue } from './flowDefinition.js'
import type { JsonPath, Report } from './flowErrors.js'
import { filterProblems } from './filterProblems.js'
import { STEP_ID, flowLimits } from './flowLimits.js'
import { isJsonObject, setOwn } from './jsonShapes.js'
import { templateProblem } from './template.js'

/** A duration as written and in milliseconds. */
export interface ReadDuration {
  readonly text: string | number
  readonly ms: number
}

/** One entry of an edge list, with its index there, so an error can point at it. */
export interface EdgeEntry {
  readonly target: string
  readonly index: number
}

/**
 * Reads the fields of one JSON object of a definition, reporting every problem at its path and
 * going on, so that one validation names them all. A getter returns `undefined` for a field that is
 * absent or wrong; `failed` says whether anything read through this reader (or its children) was
 * wrong. Required fields are checked once, by `keys`.
 */
export class FieldReader {
  #failed = false
  readonly #parent: FieldReader | undefined

  constructor (readonly object: Readonly<Record<string, unknown>>, readonly path: JsonPath, readonly report: Report, parent?: FieldReader) {
    this.#parent = parent
  }

  get failed (): boolean {
    return this.#failed
  }

  at (key: string, ...rest: (string | number)[]): JsonPath {
    return [...this.path, key, ...rest]
  }

  has (key: string): boolean {
    return Object.hasOwn(this.object, key)
  }

  /** Reports a problem with this object's `key` (or something inside it, given `rest`), or with the object itself. */
  fail (key: string | undefined, message: string, ...rest: (string | number)[]): void {
    this.#markFailed()
    this.report(key === undefined ? this.path : this.at(key, ...rest), message)
  }

  /** Reports each required key that is missing and each key outside `allowed`, with `hint` for the latter. */
  keys (allowed: readonly string[], required: readonly string[], hint: (key: string) => string = () => `expected ${allowed.join(', ')}`): void {
    for (const key of required) if (!this.has(key)) this.fail(key, `${key} is required`)
    for (const key of Object.keys(this.object)) if (!allowed.includes(key)) this.fail(key, `unknown field ${JSON.stringify(key)}: ${hint(key)}`)
  }

  /** A nested object, read with a reader of its own whose failures count as this one's. */
  child (key: string): FieldReader | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    if (!isJsonObject(value)) {
      this.fail(key, `${key} is an object`)
      return undefined
    }
    return new FieldReader(value, this.at(key), this.report, this)
  }

  string (key: string, maxLength: number): string | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
      this.fail(key, `${key} is a string of 1 to ${maxLength} characters`)
      return undefined
    }
    return value
  }

  oneOf<T extends string> (key: string, choices: readonly T[]): T | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    const choice = choices.find((item) => item === value)
    if (choice === undefined) this.fail(key, `${key} is one of ${choices.join(', ')}`)
    return choice
  }

  integer (key: string, min: number, max: number): number | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.fail(key, `${key} is a whole number from ${min} to ${max}`)
      return undefined
    }
    return value
  }

  template (key: string, maxLength: number = flowLimits.maxTemplateLength): string | undefined {
    const value = this.string(key, maxLength)
    if (value === undefined) return undefined
    const problem = templateProblem(value)
    if (problem === undefined) return value
    this.fail(key, `${key}: ${problem}`)
    return undefined
  }

  duration (key: string): ReadDuration | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    const parsed = parseDuration(value)
    if (!parsed.ok) {
      this.fail(key, `${key}: ${parsed.reason}`)
      return undefined
    }
    return { text: value as string | number, ms: parsed.ms }
  }

  filter (key: string): Filter | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    const problems = filterProblems(value)
    for (const problem of problems) this.fail(key, `${key}: ${problem.message}`, ...problem.path)
    return problems.length === 0 ? copyJson(value) as Filter : undefined
  }

  /** An edge list: distinct step ids. Entries that are wrong are reported and left out. */
  edges (key: string): EdgeEntry[] {
    const value = this.object[key]
    if (value === undefined) return []
    if (!Array.isArray(value) || value.length > flowLimits.maxSteps) {
      this.fail(key, `${key} is an array of at most ${flowLimits.maxSteps} step ids`)
      return []
    }
    const entries: EdgeEntry[] = []
    const seen = new Set<string>()
    value.forEach((target: unknown, index) => {
      if (typeof target !== 'string' || !STEP_ID.test(target)) this.fail(key, 'a step id is 1 to 64 letters, digits, _ or -', index)
      else if (seen.has(target)) this.fail(key, `${target} is listed twice`, index)
      else {
        seen.add(target)
        entries.push({ target, index })
      }
    })
    return entries
  }

  /**
   * Any JSON value, copied, whose strings are all templates: bounded by `flowLimits.maxBodyDepth`
   * and `maxBodyNodes`.
   */
  templatedJson (key: string): JsonValue | undefined {
    const value = this.object[key]
    if (value === undefined) return undefined
    let nodes = 0
    let problems = 0
    const problem = (message: string, at: (string | number)[]): void => {
      problems++
      this.fail(key, `${key}: ${message}`, ...at)
    }
    // False once a bound is crossed, which ends the walk.
    const visit = (item: unknown, at: (string | number)[]): boolean => {
      if (++nodes > flowLimits.maxBodyNodes) {
        problem(`holds at most ${flowLimits.maxBodyNodes} values`, [])
        return false
      }
      if (typeof item === 'string') {
        const templateIssue = templateProblem(item)
        if (templateIssue !== undefined) problem(templateIssue, at)
        return true
      }
      if (item === null || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))) return true
      const children = Array.isArray(item) ? (item as unknown[]).map((child, index) => [index, child] as const) : isJsonObject(item) ? Object.entries(item) : undefined
      if (children === undefined) {
        problem('holds only JSON values', at)
        return true
      }
      if (at.length >= flowLimits.maxBodyDepth) {
        problem(`is at most ${flowLimits.maxBodyDepth} levels deep`, [])
        return false
      }
      return children.every(([name, child]) => visit(child, [...at, name]))
    }
    visit(value, [])
    return problems === 0 ? copyJson(value) : undefined
  }

  #markFailed (): void {
    this.#failed = true
    if (this.#parent !== undefined) this.#parent.#markFailed()
  }
}

/** A deep copy of a JSON value, so the normalised flow shares nothing with the input. */
export function copyJson (value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(copyJson)
  if (isJsonObject(value)) {
    const out: Record<string, JsonValue> = {}
    for (const [key, item] of Object.entries(value)) setOwn(out, key, copyJson(item))
    return out
  }
  return value as JsonValue
}
