import type { FieldReader } from './fieldReader.js'
import type { Step } from './flowDefinition.js'

/** What every step has, read before its type's own fields. */
export interface StepBase {
  readonly fields: { readonly id: string, readonly name?: string }
  readonly next: readonly string[]
  readonly then: readonly string[]
  readonly else: readonly string[]
}

export interface StepReadOptions {
  /** Hosts a literal webhook URL may name; absent, any host that is not refused. */
  readonly allowedWebhookHosts?: readonly string[] | undefined
}

/**
 * One step type: its own fields, which of them are required, how it leads on (`next`, or `then`
 * and `else`) and how it is read. `read` returns `undefined` when anything is wrong, having
 * reported it.
 */
export interface StepSpec {
  readonly fields: readonly string[]
  readonly required: readonly string[]
  readonly edges: 'sequential' | 'forking'
  read: (reader: FieldReader, base: StepBase, options: StepReadOptions) => Step | undefined
}
