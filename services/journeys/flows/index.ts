/**
 * Flow definitions, as the engine sees them: validate one before it is saved, then move runs
 * along its graph, render its steps and match its filters. Everything here is pure (no I/O, no
 * clock); the engine imports from this file only, never from the files behind it.
 *
 * - `validateFlow` checks a definition and returns it normalised, in topological order, with its
 *   graph; or every error, each with a stable `code` and its `path` in the document.
 * - `renderEmail`, `renderWebhook` and `resolveWaitUntil` turn a step into what one run sends or
 *   waits for; `renderTemplate`, `renderValue` and `compileFilter` are the pieces they use.
 * - `checkWebhookUrl` applies the destination policy (delivery's) to a URL; `retryDelayMs` spaces
 *   the tries of a failing send.
 */
export { validateFlow } from './validateFlow.js'
export type { FlowValidation, ValidateFlowOptions } from './validateFlow.js'
export type { CycleError, FieldError, FlowError, FlowErrorCode, JsonPath } from './flowErrors.js'
export type { EdgeLists, FlowGraph, StepLinks } from './flowGraph.js'
export type { EdgeKind } from './readStep.js'
export { entryPolicies, stepTypes, webhookMethods } from './flowDefinition.js'
export type {
  BranchStep, EmailStep, EntryPolicy, ExitRule, Filter, FlowContext, FlowDefinition, JsonValue, RetryPolicy, Step, StepType,
  Trigger, WaitForDurationStep, WaitForEventStep, WaitStep, WaitUntilStep, WebhookMethod, WebhookStep
} from './flowDefinition.js'
export { flowLimits } from './flowLimits.js'

export { parseDuration } from './duration.js'
export type { DurationResult } from './duration.js'
export { compileFilter } from './compileFilter.js'
export type { FilterMatcher } from './compileFilter.js'
export { compileTemplate, renderTemplate, renderValue } from './template.js'
export type { CompiledTemplate, TemplateEscape } from './template.js'
export { renderEmail, renderWebhook, resolveWaitUntil } from './renderStep.js'
export type { RenderFailure, RenderedEmail, WebhookRequest } from './renderStep.js'
export { checkWebhookUrl } from './webhookHosts.js'
export type { WebhookUrlResult } from './webhookHosts.js'
export { defaultRetryPolicy, retryDelayMs } from './retryDelay.js'
