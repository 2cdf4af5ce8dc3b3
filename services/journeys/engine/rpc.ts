import type { JourneyEngine } from './engine.js'
import type { StepObservation } from './stepRunner.js'

/** The engine's operations that the gateway's thread may call, by name. */
export type EngineApi = Pick<JourneyEngine,
  'triggerEvent' | 'recordPending' | 'confirmPending' | 'discardPending' | 'pendingEvents' |
  'validateFlow' | 'createFlow' | 'updateFlow' | 'getFlow' | 'flowSteps' | 'listFlows' | 'setFlowEnabled' | 'archiveFlow' |
  'listRuns' | 'getRun' | 'cancelRun' | 'retryRun' | 'getEvent' | 'listEvents' | 'analytics' | 'health' | 'runsByStatus'>

export type EngineMethod = keyof EngineApi

export const engineMethods: readonly EngineMethod[] = [
  'triggerEvent', 'recordPending', 'confirmPending', 'discardPending', 'pendingEvents',
  'validateFlow', 'createFlow', 'updateFlow', 'getFlow', 'flowSteps', 'listFlows', 'setFlowEnabled', 'archiveFlow',
  'listRuns', 'getRun', 'cancelRun', 'retryRun', 'getEvent', 'listEvents', 'analytics', 'health', 'runsByStatus'
]

export interface RpcRequest {
  readonly id: number
  readonly method: EngineMethod | 'stop'
  readonly args: readonly unknown[]
}

/** An error as it crosses the thread boundary: its class's name, its message and the data it carries. */
export interface WireError {
  readonly name: string
  readonly message: string
  readonly data?: Readonly<Record<string, unknown>>
}

/** The error as it crosses to the gateway's thread: its name, message and own data fields. */
export function toWire (error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const data: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack') data[key] = value
  }
  return { name: error.name, message: error.message, data: structuredClone(data) }
}

export type RpcReply = { readonly id: number, readonly ok: true, readonly value: unknown } | { readonly id: number, readonly ok: false, readonly error: WireError }

/** What the engine tells the gateway's thread without being asked. */
export type EngineEvent =
  | { readonly type: 'ready' }
  | { readonly type: 'failed', readonly error: WireError }
  | { readonly type: 'eventNames', readonly names: readonly string[] }
  | { readonly type: 'observations', readonly items: readonly StepObservation[] }

/** The settings the worker starts the engine with (plain data: functions are built inside the worker). */
export interface EngineWorkerData {
  readonly dataDir: string
  /** The gateway's thread holds DATA_DIR's lock. */
  readonly dataDirLocked: boolean
  readonly databaseUrl?: string | undefined
  readonly emailApiUrl: string
  readonly webhookAllowedHosts: readonly string[]
  readonly stepTimeoutMs: number
  readonly stepConcurrency: number
  readonly stepRecoveryMs: number
  readonly runRetentionDays: number
  readonly logLevel: string
  readonly loadSampleFlows: boolean
  /** Where the sample flows' webhooks go. */
  readonly sampleWebhookBaseUrl: string
  readonly work: boolean
}
