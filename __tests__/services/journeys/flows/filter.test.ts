import { describe, expect, it } from 'vitest'
import { compileFilter } from '../../../../services/journeys/flows/compileFilter.js'
import { filterProblems } from '../../../../services/journeys/flows/filterProblems.js'
import type { Filter, FlowContext } from '../../../../services/journeys/flows/flowDefinition.js'

const context: FlowContext = {
  user: { id: 'u1', email: 'ada@example.com', tags: ['vip', 'beta'], age: 37, visits: [{ clinic: 'north', score: 9 }, { clinic: 'south', score: 4 }] },
  event: { name: 'signup', properties: { plan: 'pro', seats: 5, at: '2030-01-31T09:00:00Z' } },
  run: { id: 'r1', attempt: 2 }
}

function matches (where: Filter, on: FlowContext = context): boolean {
  return compileFilter(where)(on)
}

describe('compileFilter: matching', () => {
  it.each<[string, Filter, boolean]>([
    ['equality on a dotted path', { 'event.properties.plan': 'pro' }, true],
    ['equality that fails', { 'event.properties.plan': 'free' }, false],
    ['$in', { 'event.properties.plan': { $in: ['pro', 'team'] } }, true],
    ['$nin', { 'event.properties.plan': { $nin: ['pro', 'team'] } }, false],
    ['$eq and $ne', { 'user.id': { $eq: 'u1' }, 'run.id': { $ne: 'r2' } }, true],
    ['$gt and $lte on numbers', { 'event.properties.seats': { $gt: 4, $lte: 5 } }, true],
    ['$lt on ISO timestamps as text', { 'event.properties.at': { $lt: '2031-01-01T00:00:00Z' } }, true],
    ['$gte that fails', { 'user.age': { $gte: 40 } }, false],
    ['$exists true', { 'user.email': { $exists: true } }, true],
    ['$exists false on a missing field', { 'user.phone': { $exists: false } }, true],
    ['$regex with $options', { 'user.email': { $regex: '^ADA@', $options: 'i' } }, true],
    ['$regex that fails', { 'user.email': { $regex: '^bob' } }, false],
    ['an array field equal to one element', { 'user.tags': 'vip' }, true],
    ['$all', { 'user.tags': { $all: ['beta', 'vip'] } }, true],
    ['$size', { 'user.tags': { $size: 2 } }, true],
    ['$elemMatch on fields of the elements', { 'user.visits': { $elemMatch: { clinic: 'south', score: { $lt: 5 } } } }, true],
    ['$elemMatch that no single element meets', { 'user.visits': { $elemMatch: { clinic: 'north', score: { $lt: 5 } } } }, false],
    ['$elemMatch on the elements themselves', { 'user.tags': { $elemMatch: { $regex: '^b' } } }, true],
    ['$not', { 'event.properties.plan': { $not: { $in: ['free'] } } }, true],
    ['$type', { 'user.age': { $type: 'number' }, 'user.tags': { $type: 'array' } }, true],
    ['$and', { $and: [{ 'user.id': 'u1' }, { 'run.attempt': 2 }] }, true],
    ['$or', { $or: [{ 'user.id': 'nobody' }, { 'event.name': 'signup' }] }, true],
    ['$nor', { $nor: [{ 'user.id': 'u1' }] }, false],
    ['the empty filter', {}, true],
    ['a whole sub-document', { 'event.properties': { plan: 'pro', seats: 5, at: '2030-01-31T09:00:00Z' } }, true]
  ])('%s', (_label, where, expected) => {
    expect(matches(where)).toBe(expected)
  })

  it('compiles once and tests many contexts', () => {
    const isPro = compileFilter({ 'event.properties.plan': { $in: ['pro', 'team'] } })
    expect(isPro(context)).toBe(true)
    expect(isPro({ ...context, event: { properties: { plan: 'free' } } })).toBe(false)
    expect(isPro({ ...context, event: null })).toBe(false)
  })

  it('throws a RangeError for a filter it refuses, naming where', () => {
    expect(() => compileFilter({ $where: 'true' })).toThrow(RangeError)
    expect(() => compileFilter({ 'event.n': { $mod: [2, 0] } })).toThrow(/\["event.n","\$mod"\]/)
  })
})

describe('filterProblems', () => {
  function problems (where: unknown): { path: readonly (string | number)[], message: string }[] {
    return filterProblems(where)
  }

  it.each([
    ['$where', { $where: 'this.user.admin' }, ['$where'], /runs code/],
    ['$expr', { $expr: { $gt: ['$a', '$b'] } }, ['$expr'], /runs code/],
    ['$function', { $function: {} }, ['$function'], /runs code/],
    ['an unknown operator', { 'event.n': { $mod: [2, 0] } }, ['event.n', '$mod'], /not a known operator/],
    ['an unknown top-level operator', { $text: { $search: 'x' } }, ['$text'], /not a known operator/],
    ['a field operator at the top', { $gt: 3 }, ['$gt'], /applies to a field/],
    ['a logical operator on a field', { 'event.n': { $or: [1] } }, ['event.n', '$or'], /combines whole filters/],
    ['$and that is not an array', { $and: { 'user.id': 'u1' } }, ['$and'], /non-empty array/],
    ['an empty $or', { $or: [] }, ['$or'], /non-empty array/],
    ['$in that is not an array', { 'user.id': { $in: 'u1' } }, ['user.id', '$in'], /array/],
    ['$exists that is not a boolean', { 'user.id': { $exists: 1 } }, ['user.id', '$exists'], /true or false/],
    ['$size that is negative', { 'user.tags': { $size: -1 } }, ['user.tags', '$size'], /whole number/],
    ['$gt on an object', { 'user.age': { $gt: {} } }, ['user.age', '$gt'], /number or a string/],
    ['an unknown $type', { 'user.age': { $type: 'int' } }, ['user.age', '$type'], /\$type takes one of/],
    ['a broken $regex', { 'user.email': { $regex: '(' } }, ['user.email', '$regex'], /not a valid pattern/],
    ['a long $regex', { 'user.email': { $regex: 'a'.repeat(501) } }, ['user.email', '$regex'], /at most 500/],
    ['bad $options', { 'user.email': { $regex: 'a', $options: 'gx' } }, ['user.email', '$options'], /regex flags/],
    ['$options without $regex', { 'user.email': { $options: 'i' } }, ['user.email', '$options'], /goes with \$regex/],
    ['$not on a value', { 'user.id': { $not: 'u1' } }, ['user.id', '$not'], /condition of operators/],
    ['operators mixed with fields', { 'user.visits': { $size: 1, clinic: 'x' } }, ['user.visits'], /not both/],
    ['an operator inside a value', { 'event.properties': { plan: { nested: { $gt: 1 } } } }, ['event.properties', 'plan', 'nested', '$gt'], /inside a value/],
    ['a field outside user, event and run', { 'properties.plan': 'pro' }, ['properties.plan'], /starts with "properties"/],
    ['a field path with an empty segment', { 'event..name': 'x' }, ['event..name'], /not a field path/],
    ['a field path into the prototype', { 'event.constructor': { $exists: true } }, ['event.constructor'], /constructor is not allowed/],
    ['__proto__ in a field path', { 'user.__proto__.x': 1 }, ['user.__proto__.x'], /__proto__ is not allowed/]
  ])('refuses %s, at its path', (_label, where, path, message) => {
    const found = problems(where)
    expect(found).toHaveLength(1)
    expect(found[0]?.path).toEqual(path)
    expect(found[0]?.message).toMatch(message)
  })

  it('checks nested filters inside $and, $or, $nor, $not and $elemMatch', () => {
    const found = problems({
      $or: [{ 'user.id': 'u1' }, { 'user.x': { $where: 'x' } }],
      'user.visits': { $elemMatch: { score: { $foo: 1 } } },
      'user.age': { $not: { $bar: 1 } }
    })
    expect(found.map((problem) => problem.path)).toEqual([
      ['$or', 1, 'user.x', '$where'],
      ['user.visits', '$elemMatch', 'score', '$foo'],
      ['user.age', '$not']
    ])
  })

  it('lets fields inside $elemMatch be relative to the element', () => {
    expect(problems({ 'user.visits': { $elemMatch: { clinic: 'north' } } })).toEqual([])
  })

  it('reports every problem, not only the first', () => {
    expect(problems({ $where: 'x', 'user.a': { $gt: {} }, 'nope.b': 1 })).toHaveLength(3)
  })

  it('accepts a filter 8 levels deep and refuses one 9 levels deep', () => {
    // The filter, its condition and the $in array are three levels; each inner array one more.
    expect(problems({ 'user.a': { $in: [[[[[[1]]]]]] } })).toEqual([])
    expect(problems({ 'user.a': { $in: [[[[[[[1]]]]]]] } })).toEqual([{ path: [], message: 'a filter is at most 8 levels deep' }])
    expect(problems({ $and: [{ $or: [{ $nor: [{ 'user.a': 1 }] }] }] })).toEqual([])
    expect(problems({ $and: [{ $or: [{ $nor: [{ 'user.a': { $eq: 1 } }] }] }] })).toEqual([])
    expect(problems({ $and: [{ $or: [{ $nor: [{ 'user.a': { $in: [1] } }] }] }] })).toEqual([{ path: [], message: 'a filter is at most 8 levels deep' }])
  })

  it('accepts 200 values and refuses 201, before looking at anything else', () => {
    const values = (count: number): unknown => ({ 'user.id': { $in: Array.from({ length: count - 3 }, (_, index) => index) } })
    expect(problems(values(200))).toEqual([])
    const tooMany = { ...(values(201) as object), $where: 'x' }
    expect(problems(tooMany)).toEqual([{ path: [], message: 'a filter has at most 200 values' }])
  })

  it.each([null, [], 'user.id', 3])('refuses %j, which is not a filter object', (where) => {
    expect(problems(where)[0]?.path).toEqual([])
  })

  it('refuses values that are not JSON', () => {
    expect(problems({ 'user.a': Number.NaN })[0]?.message).toMatch(/only JSON values/)
    expect(problems({ 'user.a': new Date(0) })[0]?.message).toMatch(/only JSON values/)
  })
})
