/**
 * The journeys area as the rest of the program sees it: its plugin, and the engine client's type.
 */
export { journeysEnginePlugin } from './journeysEnginePlugin.js'
export type { JourneysEnginePluginOptions } from './journeysEnginePlugin.js'
export { journeysPlugin } from './journeysPlugin.js'
export type { JourneysPluginOptions } from './journeysPlugin.js'
export { startEngineWorker } from './engineClient.js'
export type { EngineClient, EngineState } from './engineClient.js'
export type { EngineWorkerData } from './engine/rpc.js'
export type { SessionCheck } from './api/managementGuard.js'
