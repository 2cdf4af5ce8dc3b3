import type { WaitForEventStep } from './flowDefinition.js'
import { flowLimits } from './flowLimits.js'
import type { StepSpec } from './stepSpec.js'

/** `{event, where?, timeout, lookback?, then, else}`. */
export const waitForEventStepSpec: StepSpec = {
  fields: ['event', 'where', 'timeout', 'lookback'],
  required: ['event', 'timeout'],
  edges: 'forking',
  read (reader, base): WaitForEventStep | undefined {
    const event = reader.string('event', flowLimits.maxEventNameLength)
    const where = reader.filter('where')
    const timeout = reader.duration('timeout')
    const lookback = reader.duration('lookback')
    if (reader.failed || event === undefined || timeout === undefined) return undefined
    return {
      ...base.fields,
      type: 'waitForEvent',
      event,
      ...(where === undefined ? {} : { where }),
      timeout: timeout.text,
      timeoutMs: timeout.ms,
      ...(lookback === undefined ? {} : { lookback: lookback.text }),
      lookbackMs: lookback?.ms ?? 0,
      then: base.then,
      else: base.else
    }
  }
}
