import { defaultsOf, readSettings } from '../utils/settings/readSettings.js'
import type { Env } from '../utils/settings/readSettings.js'
import { gatewayChecks, gatewaySettings } from './gateway/settings.js'
import type { GatewaySettings } from './gateway/settings.js'
import { clusterChecks, clusterSettings } from './cluster/settings.js'
import type { ClusterSettings } from './cluster/settings.js'
import { GatewayError } from './http/errors.js'
import { httpChecks, httpSettings } from './http/settings.js'
import type { HttpSettings } from './http/settings.js'
import { journeysChecks, journeysSettings } from './journeys/settings.js'
import type { JourneysSettings } from './journeys/settings.js'

export type { Env }

/** Every area's settings table, by the section of `Config` it fills: the README's configuration table is checked against these. */
export const settingsTables = { http: httpSettings, gateway: gatewaySettings, journeys: journeysSettings, cluster: clusterSettings } as const

/** Validated, frozen settings, one section per area; each plugin receives its own. Durations are in milliseconds. */
export interface Config {
  readonly http: HttpSettings
  readonly gateway: GatewaySettings
  readonly journeys: JourneysSettings
  readonly cluster: ClusterSettings
}

/** Every setting at its default. */
export const defaultConfig: Config = Object.freeze({ http: defaultsOf(httpSettings), gateway: defaultsOf(gatewaySettings), journeys: defaultsOf(journeysSettings), cluster: defaultsOf(clusterSettings) })

/**
 * Reads and validates the environment once, at start. An empty variable counts as unset. Every
 * problem is reported at once, each naming the variable, the value and what was expected.
 */
export function loadConfig (env: Env): Config {
  const http = readSettings(httpSettings, env, httpChecks)
  const gateway = readSettings(gatewaySettings, env, gatewayChecks)
  const journeys = readSettings(journeysSettings, env, journeysChecks)
  const cluster = readSettings(clusterSettings, env, clusterChecks)
  const problems = [...http.problems, ...gateway.problems, ...journeys.problems, ...cluster.problems]
  // A split role shares the journeys' database between processes: the embedded one has a single owner.
  if (cluster.values.role !== 'all' && journeys.values.journeysEnabled && journeys.values.databaseUrl === undefined) {
    problems.push(`ROLE=${JSON.stringify(cluster.values.role)} is invalid without DATABASE_URL: the embedded database serves one process, so api and worker processes need PostgreSQL (or JOURNEYS_ENABLED=false)`)
  }
  if (cluster.values.role === 'worker' && !journeys.values.journeysEnabled) {
    problems.push('ROLE="worker" is invalid with JOURNEYS_ENABLED=false: a worker process runs journey steps and nothing else')
  }
  if (problems.length > 0) {
    throw new GatewayError('GW_ERR_CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  return Object.freeze({ http: http.values, gateway: gateway.values, journeys: journeys.values, cluster: cluster.values })
}
