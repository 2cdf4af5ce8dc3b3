import { expect } from 'vitest'
import { problemSchema } from '../../services/http/schemas.js'
import { errorDefinitions, problemType, writeOutcome } from '../../services/http/errors.js'
import type { ErrorCode } from '../../services/http/errors.js'

/** The parts of a response these checks read: an inject() response, or one read off a socket. */
export interface ResponseLike {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, unknown>>
  readonly body: string
}

export interface ProblemBody {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: string
  readonly outcome?: string
  readonly field?: string
}

/** Only what the documented problem schema lists: no `stack`, no `cause`, no stray internals. */
const problemKeys = new Set(Object.keys(problemSchema.properties))

/** A V8 stack frame: `at fn (file:line:col)`, `at file:///x.js:1:2`, `at node:internal/x:1:2`. */
const stackFrame = /\bat (?:\S+ \()?(?:file:|node:|\/)\S*:\d+:\d+/

export function isErrorCode (code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorDefinitions, code)
}

/** No stack frame, no path of this checkout, no dependency path: internals stay in the log. */
export function expectNoLeak (text: string): void {
  expect(text).not.toMatch(stackFrame)
  expect(text).not.toContain('/work/')
  expect(text).not.toContain(process.cwd())
  expect(text).not.toContain('node_modules')
}

/**
 * What every answer must be, whatever was sent: below 500, free of internals, and when it is an
 * error, an RFC 9457 problem whose code is one of errorDefinitions with that code's status,
 * type, title and outcome. Returns the problem, or undefined for a success.
 */
export function expectSafeResponse (response: ResponseLike): ProblemBody | undefined {
  expect(response.statusCode).toBeLessThan(500)
  expectNoLeak(response.body)
  if (response.statusCode < 400) return undefined

  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  const problem = JSON.parse(response.body) as ProblemBody
  expect(Object.keys(problem).filter((key) => !problemKeys.has(key))).toEqual([])
  const { code } = problem
  if (!isErrorCode(code)) throw new Error(`unknown problem code ${JSON.stringify(code)} in ${response.body}`)
  const definition: { status: number, title: string, outcome?: string } = errorDefinitions[code]
  expect(response.statusCode).toBe(definition.status)
  expect(problem).toMatchObject({ type: problemType(code), title: definition.title, status: definition.status })
  // A code of the write path always says its outcome; any other says one only on a write route, and then the write's.
  if (definition.outcome !== undefined) expect(problem.outcome).toBe(definition.outcome)
  if (problem.outcome !== undefined) expect(problem.outcome).toBe(writeOutcome(code))
  expect(typeof problem.detail).toBe('string')
  return problem
}

/** The response is exactly this problem; `field` is checked when given. */
export function expectProblem (response: ResponseLike, code: ErrorCode, field?: string): ProblemBody {
  const problem = expectSafeResponse(response)
  expect(problem?.code).toBe(code)
  if (field !== undefined) {
    expect(problem?.field).toBe(field)
    expect(problem?.detail.startsWith(field)).toBe(true)
  }
  return problem!
}
