import type { BranchStep } from './flowDefinition.js'
import type { StepSpec } from './stepSpec.js'

/** `{where, then, else}`: `then` when the filter matches `{user, event, run}`, `else` otherwise. */
export const branchStepSpec: StepSpec = {
  fields: ['where'],
  required: ['where'],
  edges: 'forking',
  read (reader, base): BranchStep | undefined {
    const where = reader.filter('where')
    if (reader.failed || where === undefined) return undefined
    return { ...base.fields, type: 'branch', where, then: base.then, else: base.else }
  }
}
