import type { JsonPath } from './flowErrors.js'
import { flowLimits } from './flowLimits.js'
import { isJsonObject } from './jsonShapes.js'
import { TEMPLATE_ROOTS } from './template.js'

export interface FilterProblem {
  /** From the filter's root. */
  readonly path: JsonPath
  readonly message: string
}

/** Combine whole filters. */
export const LOGICAL_OPERATORS: readonly string[] = ['$and', '$or', '$nor']
/** Apply to one field. `$options` is `$regex`'s flags. */
export const FIELD_OPERATORS: readonly string[] = [
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', '$options', '$not', '$size', '$all', '$elemMatch', '$type'
]
const CODE_OPERATORS: readonly string[] = ['$where', '$expr', '$function', '$accumulator']
// sift's names; `timestamp` (a Date) is left out because JSON has no dates.
const TYPE_ALIASES: readonly string[] = ['number', 'string', 'bool', 'array', 'null']
// Paths that would read the prototype instead of the data: sift reads `item[key]`.
const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype']
const REGEX_FLAGS = /^(?!.*(.).*\1)[imsu]*$/
const KNOWN = `allowed: ${[...LOGICAL_OPERATORS, ...FIELD_OPERATORS].join(' ')}`

type Scope = 'root' | 'element'

/**
 * Why a filter is refused, each at its path inside the filter; empty when it is fine. A filter is a
 * MongoDB query on `{user, event, run}`: its fields are dotted paths starting with one of those
 * three (`"event.properties.plan"`), and it may use only the operators above. Code-running
 * operators (`$where`, `$expr`) are refused, and size is bounded (`flowLimits.maxFilterDepth`,
 * `maxFilterNodes`) before anything else is looked at.
 */
export function filterProblems (where: unknown): FilterProblem[] {
  const problems: FilterProblem[] = []
  if (!isJsonObject(where)) return [{ path: [], message: 'a filter is an object such as {"event.properties.plan": "pro"}' }]
  const size = measure(where)
  if (size !== undefined) return [{ path: [], message: size }]
  checkQuery(where, [], 'root', problems)
  return problems
}

function measure (where: unknown): string | undefined {
  let nodes = 0
  const visit = (value: unknown, depth: number): string | undefined => {
    nodes++
    if (nodes > flowLimits.maxFilterNodes) return `a filter has at most ${flowLimits.maxFilterNodes} values`
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
    if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'a filter holds only JSON values'
    const children = Array.isArray(value) ? value as unknown[] : isJsonObject(value) ? Object.values(value) : undefined
    if (children === undefined) return 'a filter holds only JSON values'
    if (depth > flowLimits.maxFilterDepth) return `a filter is at most ${flowLimits.maxFilterDepth} levels deep`
    for (const child of children) {
      const problem = visit(child, depth + 1)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  return visit(where, 1)
}

function checkQuery (query: unknown, path: JsonPath, scope: Scope, problems: FilterProblem[]): void {
  if (!isJsonObject(query)) {
    problems.push({ path, message: 'expected a filter object' })
    return
  }
  for (const [key, value] of Object.entries(query)) {
    const at = [...path, key]
    if (LOGICAL_OPERATORS.includes(key)) {
      if (!Array.isArray(value) || value.length === 0) problems.push({ path: at, message: `${key} takes a non-empty array of filters` })
      else value.forEach((item: unknown, index) => { checkQuery(item, [...at, index], scope, problems) })
    } else if (key.startsWith('$')) {
      problems.push({ path: at, message: misplacedOperator(key) })
    } else {
      const problem = fieldPathProblem(key, scope)
      if (problem !== undefined) problems.push({ path: at, message: problem })
      else checkCondition(value, at, problems)
    }
  }
}

function misplacedOperator (key: string): string {
  if (CODE_OPERATORS.includes(key)) return `${key} runs code and is not allowed in a filter`
  if (FIELD_OPERATORS.includes(key)) return `${key} applies to a field: write {"event.properties.count": {"${key}": …}}`
  return `${key} is not a known operator; ${KNOWN}`
}

function fieldPathProblem (key: string, scope: Scope): string | undefined {
  const segments = key.split('.')
  if (segments.some((segment) => segment === '')) return `"${key}" is not a field path: expected dotted names such as event.properties.plan`
  const prototypeKey = segments.find((segment) => PROTOTYPE_KEYS.includes(segment))
  if (prototypeKey !== undefined) return `"${key}": ${prototypeKey} is not allowed in a field path`
  if (scope === 'root' && !TEMPLATE_ROOTS.includes(segments[0] ?? '')) {
    return `"${key}" starts with "${segments[0] ?? ''}": filters match {user, event, run}, so a field starts with user., event. or run.`
  }
  return undefined
}

function checkCondition (value: unknown, path: JsonPath, problems: FilterProblem[]): void {
  if (!isJsonObject(value) || !Object.keys(value).some((key) => key.startsWith('$'))) {
    checkLiteral(value, path, problems)
  } else if (!Object.keys(value).every((key) => key.startsWith('$'))) {
    problems.push({ path, message: 'a condition holds either operators or a value to equal, not both' })
  } else {
    checkOperators(value, path, problems)
  }
}

function checkOperators (operators: Readonly<Record<string, unknown>>, path: JsonPath, problems: FilterProblem[]): void {
  for (const [operator, argument] of Object.entries(operators)) {
    const at = [...path, operator]
    const problem = operatorProblem(operator, argument, operators, at, problems)
    if (problem !== undefined) problems.push({ path: at, message: problem })
  }
}

function operatorProblem (operator: string, argument: unknown, siblings: Readonly<Record<string, unknown>>, at: JsonPath, problems: FilterProblem[]): string | undefined {
  switch (operator) {
    case '$eq': case '$ne':
      checkLiteral(argument, at, problems)
      return undefined
    case '$gt': case '$gte': case '$lt': case '$lte':
      return typeof argument === 'number' || typeof argument === 'string' ? undefined : `${operator} compares with a number or a string`
    case '$in': case '$nin': case '$all':
      if (!Array.isArray(argument)) return `${operator} takes an array of values`
      argument.forEach((item: unknown, index) => { checkLiteral(item, [...at, index], problems) })
      return undefined
    case '$exists':
      return typeof argument === 'boolean' ? undefined : '$exists takes true or false'
    case '$size':
      return Number.isSafeInteger(argument) && (argument as number) >= 0 ? undefined : '$size takes a whole number, 0 or more'
    case '$type':
      return typeof argument === 'string' && TYPE_ALIASES.includes(argument) ? undefined : `$type takes one of ${TYPE_ALIASES.join(', ')}`
    case '$regex':
      return regexProblem(argument, siblings.$options)
    case '$options':
      if (!('$regex' in siblings)) return '$options goes with $regex'
      return typeof argument === 'string' && REGEX_FLAGS.test(argument) ? undefined : '$options takes regex flags: some of i, m, s, u'
    case '$not':
      if (!isJsonObject(argument) || Object.keys(argument).length === 0 || !Object.keys(argument).every((key) => FIELD_OPERATORS.includes(key))) {
        return '$not takes a condition of operators, such as {"$in": ["a", "b"]}'
      }
      checkOperators(argument, at, problems)
      return undefined
    case '$elemMatch':
      if (!isJsonObject(argument)) return '$elemMatch takes a filter on the elements, such as {"sku": "a"} or {"$gt": 3}'
      // On operators alone it tests each element itself; otherwise fields of each element.
      if (Object.keys(argument).length > 0 && Object.keys(argument).every((key) => FIELD_OPERATORS.includes(key))) checkOperators(argument, at, problems)
      else checkQuery(argument, at, 'element', problems)
      return undefined
    default:
      if (LOGICAL_OPERATORS.includes(operator)) return `${operator} combines whole filters; it cannot apply to a field`
      return misplacedOperator(operator)
  }
}

function regexProblem (pattern: unknown, flags: unknown): string | undefined {
  if (typeof pattern !== 'string') return '$regex takes a pattern string'
  if (pattern.length > flowLimits.maxRegexLength) return `a $regex pattern is at most ${flowLimits.maxRegexLength} characters`
  try {
    // Invalid flags are $options's own problem; here only the pattern is checked.
    new RegExp(pattern, typeof flags === 'string' && REGEX_FLAGS.test(flags) ? flags : '')
    return undefined
  } catch (error) {
    return `$regex is not a valid pattern: ${(error as Error).message}`
  }
}

/** A value to compare with: any JSON, but a `$` key inside it would be a misplaced operator. */
function checkLiteral (value: unknown, path: JsonPath, problems: FilterProblem[]): void {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => { checkLiteral(item, [...path, index], problems) })
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('$')) problems.push({ path: [...path, key], message: `${key} is not allowed inside a value to compare with: operators apply to fields` })
      else checkLiteral(item, [...path, key], problems)
    }
  }
}
