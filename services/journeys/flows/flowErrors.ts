import { flowLimits } from './flowLimits.js'

/**
 * Why a definition was refused. Stable: callers and tests match on `code`, never on `message`.
 * - `invalid-flow`: the top level (name, trigger, entry, exit, the steps array, unknown keys);
 * - `invalid-step`: one step's fields (type, a missing or unknown field, a duration, URL, template or filter);
 * - `duplicate-step`: a step id used before;
 * - `unknown-step`: an edge to an id no step has;
 * - `unreachable`: a step the trigger cannot reach;
 * - `cycle`: steps that lead back to themselves.
 */
export type FlowErrorCode = 'invalid-flow' | 'invalid-step' | 'duplicate-step' | 'unknown-step' | 'unreachable' | 'cycle'

/** Where in the submitted document: keys and array indices from its root, e.g. `["steps", 2, "duration"]`. */
export type JsonPath = readonly (string | number)[]

interface FlowErrorBase {
  readonly path: JsonPath
  /** For people; says what is wrong and, where it helps, what was expected. */
  readonly message: string
}

export interface CycleError extends FlowErrorBase {
  readonly code: 'cycle'
  /** Step ids along the cycle, closing on the first: `["a", "b", "a"]`. `path` is the edge that closes it. */
  readonly cycle: readonly string[]
}

export interface FieldError extends FlowErrorBase {
  readonly code: Exclude<FlowErrorCode, 'cycle'>
}

export type FlowError = FieldError | CycleError

/**
 * Collects the errors of one validation, up to `flowLimits.maxErrors`: a document with thousands of
 * unknown keys gets a bounded answer. `total` keeps counting past the cap, so a reader can tell
 * whether its part of the document added any.
 */
export class FlowIssues {
  readonly errors: FlowError[] = []
  total = 0

  add (error: FlowError): void {
    this.total++
    if (this.errors.length < flowLimits.maxErrors) this.errors.push(error)
  }

  field (code: FieldError['code'], path: JsonPath, message: string): void {
    this.add({ code, path, message })
  }
}

/** Reports one problem at a path; a reader is handed one bound to its error code. */
export type Report = (path: JsonPath, message: string) => void
