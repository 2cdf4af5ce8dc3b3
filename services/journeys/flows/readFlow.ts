import { FieldReader } from './fieldReader.js'
import type { EdgeEntry } from './fieldReader.js'
import { entryPolicies } from './flowDefinition.js'
import type { ExitRule, FlowDefinition, Step, Trigger } from './flowDefinition.js'
import type { FlowIssues, Report } from './flowErrors.js'
import { flowLimits } from './flowLimits.js'
import { isJsonObject } from './jsonShapes.js'
import { readStep } from './readStep.js'
import type { ReadStep } from './readStep.js'
import type { StepReadOptions } from './stepSpec.js'

export interface ReadFlow {
  /** Absent when anything in the document (the steps included) is wrong. */
  readonly flow: FlowDefinition | undefined
  readonly triggerNext: readonly EdgeEntry[]
  /** Absent when `steps` could not be read as a list, so its edges cannot be checked. */
  readonly steps: readonly ReadStep[] | undefined
}

const TOP_LEVEL = ['name', 'trigger', 'entry', 'exit', 'steps']

/** Reads the top level, reporting each problem there as `invalid-flow`, and every step. */
export function readFlow (input: unknown, issues: FlowIssues, options: StepReadOptions): ReadFlow {
  const report: Report = (path, message) => { issues.field('invalid-flow', path, message) }
  if (!isJsonObject(input)) {
    report([], 'a flow is an object with name, trigger and steps')
    return { flow: undefined, triggerNext: [], steps: undefined }
  }
  const reader = new FieldReader(input, [], report)
  reader.keys(TOP_LEVEL, ['name', 'trigger', 'steps'])
  const name = reader.string('name', flowLimits.maxNameLength)
  const { trigger, entries } = readTrigger(reader)
  const entry = reader.oneOf('entry', entryPolicies) ?? 'once-per-event'
  const exit = readExit(reader)
  const steps = readSteps(reader, issues, options)

  const normalised = steps?.flatMap((step): Step[] => step.step === undefined ? [] : [step.step]) ?? []
  const complete = issues.total === 0 && name !== undefined && trigger !== undefined && steps !== undefined
  return {
    flow: complete ? { name, trigger, entry, ...(exit === undefined ? {} : { exit }), steps: normalised } : undefined,
    triggerNext: entries,
    steps
  }
}

function readTrigger (flow: FieldReader): { trigger: Trigger | undefined, entries: readonly EdgeEntry[] } {
  const reader = flow.child('trigger')
  if (reader === undefined) return { trigger: undefined, entries: [] }
  reader.keys(['event', 'where', 'next'], ['event', 'next'])
  const event = reader.string('event', flowLimits.maxEventNameLength)
  const where = reader.filter('where')
  const entries = reader.edges('next')
  if (reader.has('next') && entries.length === 0 && !reader.failed) reader.fail('next', 'the trigger leads to at least one step')
  const trigger = event === undefined ? undefined : { event, ...(where === undefined ? {} : { where }), next: entries.map((entry) => entry.target) }
  return { trigger, entries }
}

function readExit (flow: FieldReader): ExitRule | undefined {
  const reader = flow.child('exit')
  if (reader === undefined) return undefined
  reader.keys(['event', 'where'], ['event'])
  const event = reader.string('event', flowLimits.maxEventNameLength)
  const where = reader.filter('where')
  return event === undefined ? undefined : { event, ...(where === undefined ? {} : { where }) }
}

function readSteps (flow: FieldReader, issues: FlowIssues, options: StepReadOptions): ReadStep[] | undefined {
  const value = flow.object.steps
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0 || value.length > flowLimits.maxSteps) {
    flow.fail('steps', `steps is an array of 1 to ${flowLimits.maxSteps} steps`)
    return undefined
  }
  return value.flatMap((step: unknown, index) => readStep(step, index, issues, options) ?? [])
}
