import sift from 'sift'
import type { Filter, FlowContext } from './flowDefinition.js'
import { filterProblems } from './filterProblems.js'

/** True when the context matches the filter. */
export type FilterMatcher = (context: FlowContext) => boolean

// Only these reach sift, whatever a filter holds: even a filter that skipped validation cannot
// run sift's $where (which evaluates strings as code) or $mod.
const operations = {
  $eq: sift.$eq, $ne: sift.$ne, $gt: sift.$gt, $gte: sift.$gte, $lt: sift.$lt, $lte: sift.$lte,
  $in: sift.$in, $nin: sift.$nin, $exists: sift.$exists, $regex: sift.$regex, $options: sift.$options,
  $and: sift.$and, $or: sift.$or, $nor: sift.$nor, $not: sift.$not, $size: sift.$size, $all: sift.$all,
  $elemMatch: sift.$elemMatch, $type: sift.$type
}

/**
 * Compiles a filter once, to test many contexts with it. Throws a RangeError naming the first
 * problem when `filterProblems` refuses the filter; a flow from `validateFlow` never does.
 */
export function compileFilter (where: Filter): FilterMatcher {
  const [problem] = filterProblems(where)
  if (problem !== undefined) throw new RangeError(`invalid filter at ${JSON.stringify(problem.path)}: ${problem.message}`)
  const test = sift.createQueryTester<FlowContext>(where, { operations })
  return (context) => test(context)
}
