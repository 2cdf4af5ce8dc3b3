import { FieldReader } from './fieldReader.js'
import type { EdgeEntry } from './fieldReader.js'
import { stepTypes } from './flowDefinition.js'
import type { Step, StepType } from './flowDefinition.js'
import type { FlowIssues, Report } from './flowErrors.js'
import { STEP_ID, flowLimits } from './flowLimits.js'
import { isJsonObject } from './jsonShapes.js'
import { branchStepSpec } from './readBranchStep.js'
import { emailStepSpec } from './readEmailStep.js'
import { waitForEventStepSpec } from './readWaitForEventStep.js'
import { waitStepSpec } from './readWaitStep.js'
import { webhookStepSpec } from './readWebhookStep.js'
import type { StepReadOptions, StepSpec } from './stepSpec.js'

export type EdgeKind = 'next' | 'then' | 'else'

export const edgeKinds: readonly EdgeKind[] = ['next', 'then', 'else']

/** One entry of `steps`, as far as it could be read: the graph is checked even when a step's fields are wrong. */
export interface ReadStep {
  /** Its definition index, in `steps`. */
  readonly index: number
  /** Absent when the id is missing or malformed. */
  readonly id: string | undefined
  /** Every well-formed edge entry, whatever the type allows; a misplaced list is reported as a field. */
  readonly edges: Readonly<Record<EdgeKind, readonly EdgeEntry[]>>
  /** Absent when anything about the step is wrong. */
  readonly step: Step | undefined
}

const specs: Readonly<Record<StepType, StepSpec>> = {
  email: emailStepSpec,
  webhook: webhookStepSpec,
  wait: waitStepSpec,
  branch: branchStepSpec,
  waitForEvent: waitForEventStepSpec
}

const COMMON_FIELDS = ['id', 'type', 'name']

/** Reads `steps[index]`, reporting each problem as `invalid-step`; `undefined` when it is not even an object. */
export function readStep (value: unknown, index: number, issues: FlowIssues, options: StepReadOptions): ReadStep | undefined {
  const report: Report = (path, message) => { issues.field('invalid-step', path, message) }
  if (!isJsonObject(value)) {
    report(['steps', index], 'a step is an object with an id and a type')
    return undefined
  }
  const reader = new FieldReader(value, ['steps', index], report)
  const id = readId(reader)
  const edges = { next: reader.edges('next'), then: reader.edges('then'), else: reader.edges('else') }
  const type = readType(reader)
  if (type === undefined) return { index, id, edges, step: undefined }

  const spec = specs[type]
  const edgeFields = spec.edges === 'sequential' ? ['next'] : ['then', 'else']
  const article = /^[aeiou]/.test(type) ? 'an' : 'a'
  reader.keys([...COMMON_FIELDS, ...spec.fields, ...edgeFields], spec.required, (key) => edgeKinds.includes(key as EdgeKind)
    ? `${article} ${type} step leads on through ${edgeFields.join(' and ')}`
    : `${article} ${type} step has ${[...COMMON_FIELDS, ...spec.fields, ...edgeFields].join(', ')}`)
  const name = reader.string('name', flowLimits.maxNameLength)
  const targets = (kind: EdgeKind): string[] => edges[kind].map((entry) => entry.target)
  const base = { fields: { id: id ?? '', ...(name === undefined ? {} : { name }) }, next: targets('next'), then: targets('then'), else: targets('else') }
  const step = spec.read(reader, base, options)
  return { index, id, edges, step: reader.failed || id === undefined ? undefined : step }
}

function readId (reader: FieldReader): string | undefined {
  const id = reader.object.id
  if (typeof id === 'string' && STEP_ID.test(id)) return id
  reader.fail('id', id === undefined ? 'id is required' : 'a step id is 1 to 64 letters, digits, _ or -')
  return undefined
}

function readType (reader: FieldReader): StepType | undefined {
  const type = reader.object.type
  const known = stepTypes.find((name) => name === type)
  if (known === undefined) {
    reader.fail('type', type === undefined
      ? `type is required: one of ${stepTypes.join(', ')}`
      : `unknown step type ${JSON.stringify(type)}: expected one of ${stepTypes.join(', ')}`)
  }
  return known
}
