import type { EmailMessage } from '../delivery/index.js'
import type { FlowGraphView } from './progress.js'

export type EntryPolicy = 'once' | 'once-per-event' | 'always'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number
  readonly baseMs: number
  readonly maxMs: number
}

/** What templates and filters see. */
export interface RunView {
  readonly user: Readonly<Record<string, unknown>>
  readonly event: Readonly<Record<string, unknown>>
  readonly run: Readonly<Record<string, unknown>>
}

export type { EmailMessage }

export interface WebhookCall {
  readonly url: string
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  /** Serialised JSON, when the step has a body. */
  readonly body?: string
}

/** A step as the engine runs it: what it needs from the definition, already compiled. */
export type RuntimeStep =
  | { readonly type: 'email', readonly id: string, readonly retry: RetryPolicy, readonly render: (view: RunView) => EmailMessage | Error }
  | { readonly type: 'webhook', readonly id: string, readonly retry: RetryPolicy, readonly render: (view: RunView) => WebhookCall | Error }
  | { readonly type: 'wait', readonly id: string, readonly wakeAt: (view: RunView, now: number) => number | Error }
  | { readonly type: 'branch', readonly id: string, readonly matches: (view: RunView) => boolean }
  | { readonly type: 'waitForEvent', readonly id: string, readonly event: string, readonly matches: (view: RunView) => boolean, readonly timeoutMs: number, readonly lookbackMs: number }

/** One version of a flow, compiled once and kept: its graph, its rules and its steps. */
export interface FlowRuntime {
  readonly name: string
  readonly graph: FlowGraphView
  readonly order: readonly string[]
  readonly entry: EntryPolicy
  readonly triggerEvent: string
  readonly triggerMatches: (view: RunView) => boolean
  readonly exitEvent: string | undefined
  readonly exitMatches: (view: RunView) => boolean
  readonly step: (id: string) => RuntimeStep | undefined
  readonly stepIds: readonly string[]
}
