/**
 * A flow as `validateFlow` returns it: checked, with defaults applied and every duration already in
 * milliseconds beside the text it was written as, so the engine never parses a definition again.
 * Everything here is plain JSON data except where a field says otherwise.
 */

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/**
 * What templates render against and filters match against: the user the run is for, the event in
 * question (the triggering one, or the one a `waitForEvent` or the exit rule is looking at) and the
 * run itself.
 */
export interface FlowContext {
  readonly user: unknown
  readonly event: unknown
  readonly run: unknown
}

/** A MongoDB-style query on a `FlowContext`, limited to the operators `compileFilter` knows. */
export type Filter = Readonly<Record<string, JsonValue>>

/**
 * Who may enter a flow again: `once` means once per user, ever, even after the run ended;
 * `once-per-event` one run per triggering event; `always` a run for every matching event.
 */
export type EntryPolicy = 'once' | 'once-per-event' | 'always'

export const entryPolicies: readonly EntryPolicy[] = ['once', 'once-per-event', 'always']

/** Starts a run when an event with this name arrives and `where` matches. */
export interface Trigger {
  readonly event: string
  readonly where?: Filter
  /** The steps a new run starts at. */
  readonly next: readonly string[]
}

/** Ends a run as soon as an event with this name arrives for its user and `where` matches. */
export interface ExitRule {
  readonly event: string
  readonly where?: Filter
}

/** How an email or webhook step is retried; `attempts` counts every try, the first included. */
export interface RetryPolicy {
  readonly attempts: number
  /** Wait before the second try, in milliseconds; each later wait doubles, up to `maxMs`. */
  readonly baseMs: number
  /** The longest wait between two tries, in milliseconds. */
  readonly maxMs: number
}

/** The HTTP methods a webhook may use. */
export type WebhookMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET'

export const webhookMethods: readonly WebhookMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET']

export type StepType = Step['type']

interface StepBase {
  readonly id: string
  readonly name?: string
}

/** Steps that run their children when they are done. An absent `next` in the input is `[]` here. */
interface SequentialStep extends StepBase {
  readonly next: readonly string[]
}

/** Steps that run either their `then` or their `else` children. */
interface ForkingStep extends StepBase {
  readonly then: readonly string[]
  readonly else: readonly string[]
}

/** Every string is a template; `html` escapes HTML in `{{…}}` values, the other fields do not. */
export interface EmailStep extends SequentialStep {
  readonly type: 'email'
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html?: string
  readonly retry: RetryPolicy
}

/** The URL, header values and every string inside `body` are templates. */
export interface WebhookStep extends SequentialStep {
  readonly type: 'webhook'
  readonly url: string
  readonly method: WebhookMethod
  readonly headers: Readonly<Record<string, string>>
  /** Absent: the request has no body. */
  readonly body?: JsonValue
  readonly retry: RetryPolicy
}

/** Waits for a fixed time, given as written (`"P2D"` or milliseconds) and in milliseconds. */
export interface WaitForDurationStep extends SequentialStep {
  readonly type: 'wait'
  readonly duration: string | number
  readonly durationMs: number
}

/**
 * Waits until a moment: an ISO 8601 timestamp with a time zone, or a template that renders to one.
 * `untilMs` (epoch milliseconds) is there only when `until` is a literal; a templated one is
 * resolved per run with `resolveWaitUntil`.
 */
export interface WaitUntilStep extends SequentialStep {
  readonly type: 'wait'
  readonly until: string
  readonly untilMs?: number
}

export type WaitStep = WaitForDurationStep | WaitUntilStep

export interface BranchStep extends ForkingStep {
  readonly type: 'branch'
  readonly where: Filter
}

/**
 * Waits for an event with this name for the run's user: `then` if one that matches `where` arrives
 * within `timeout`, `else` if none does. An event from up to `lookback` before the wait began also
 * counts, so one sent just before the wait registered is not missed.
 */
export interface WaitForEventStep extends ForkingStep {
  readonly type: 'waitForEvent'
  readonly event: string
  readonly where?: Filter
  readonly timeout: string | number
  readonly timeoutMs: number
  /** Absent in the input: 0. */
  readonly lookback?: string | number
  readonly lookbackMs: number
}

export type Step = EmailStep | WebhookStep | WaitStep | BranchStep | WaitForEventStep

export const stepTypes: readonly StepType[] = ['email', 'webhook', 'wait', 'branch', 'waitForEvent']

export interface FlowDefinition {
  readonly name: string
  readonly trigger: Trigger
  /** Absent in the input: `once-per-event`. */
  readonly entry: EntryPolicy
  readonly exit?: ExitRule
  /** In the order of the definition; `validateFlow` also returns them in topological order. */
  readonly steps: readonly Step[]
}
