import type { WaitStep } from './flowDefinition.js'
import type { StepSpec } from './stepSpec.js'
import { isTemplate } from './template.js'
import { parseTimestamp } from './timestamp.js'

const MAX_UNTIL_LENGTH = 200

/** `{duration}` or `{until}`, exactly one of them. */
export const waitStepSpec: StepSpec = {
  fields: ['duration', 'until'],
  required: [],
  edges: 'sequential',
  read (reader, base): WaitStep | undefined {
    if (reader.has('duration') === reader.has('until')) {
      reader.fail(undefined, 'a wait step has either duration (e.g. "P2D") or until (a timestamp or a template of one), exactly one')
      return undefined
    }
    if (reader.has('duration')) {
      const duration = reader.duration('duration')
      if (reader.failed || duration === undefined) return undefined
      return { ...base.fields, type: 'wait', duration: duration.text, durationMs: duration.ms, next: base.next }
    }
    const until = reader.template('until', MAX_UNTIL_LENGTH)
    if (until === undefined || isTemplate(until)) {
      return reader.failed || until === undefined ? undefined : { ...base.fields, type: 'wait', until, next: base.next }
    }
    const parsed = parseTimestamp(until)
    if (!parsed.ok) reader.fail('until', `until: ${parsed.reason}`)
    return reader.failed || !parsed.ok ? undefined : { ...base.fields, type: 'wait', until, untilMs: parsed.ms, next: base.next }
  }
}
