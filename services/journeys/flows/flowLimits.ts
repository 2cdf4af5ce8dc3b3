/**
 * The bounds of a flow definition, in one table: the validators read them from here and the
 * engine can show them. Every bound exists so that one saved flow cannot make validation, storage
 * or a run unboundedly expensive.
 */
export const flowLimits = {
  /** Steps in one flow. */
  maxSteps: 200,
  /** Length of the flow's `name` and of a step's `name` label, in characters. */
  maxNameLength: 200,
  /** Length of an event name (`trigger.event`, `exit.event`, `waitForEvent.event`), as for event ids. */
  maxEventNameLength: 256,
  /** The longest wait, timeout or lookback, in milliseconds: 365 days. */
  maxDurationMs: 365 * 24 * 3_600_000,
  /** Length of one template string (an email body, a subject, one string of a webhook body), in characters. */
  maxTemplateLength: 100_000,
  /** Length of a webhook URL template, in characters. */
  maxUrlLength: 2048,
  /** Headers on one webhook. */
  maxHeaders: 50,
  /** Nesting of a webhook body, counting each object or array as one level. */
  maxBodyDepth: 16,
  /** Values (keys, elements, leaves) in a webhook body. */
  maxBodyNodes: 10_000,
  /** Nesting of a filter, counting each object or array as one level. */
  maxFilterDepth: 8,
  /** Keys, elements and leaves in one filter. */
  maxFilterNodes: 200,
  /** Length of a `$regex` pattern, in characters: patterns run on every matching event. */
  maxRegexLength: 500,
  /** Errors one validation reports; past it, further errors are dropped. */
  maxErrors: 500
} as const

/** A step id: 1 to 64 letters, digits, `_` or `-`, so it fits in keys such as `runId:stepId`. */
export const STEP_ID = /^[A-Za-z0-9_-]{1,64}$/
