import { defaultsOf, readSettings } from '../utils/settings/readSettings.js'
import type { Env } from '../utils/settings/readSettings.js'
import { gatewayChecks, gatewaySettings } from './gateway/settings.js'
import type { GatewaySettings } from './gateway/settings.js'
import { GatewayError } from './http/errors.js'
import { httpChecks, httpSettings } from './http/settings.js'
import type { HttpSettings } from './http/settings.js'
import { journeysChecks, journeysSettings } from './journeys/settings.js'
import type { JourneysSettings } from './journeys/settings.js'

export type { Env }

/** Every area's settings table, by the section of `Config` it fills: the README's configuration table is checked against these. */
export const settingsTables = { http: httpSettings, gateway: gatewaySettings, journeys: journeysSettings } as const

/** Validated, frozen settings, one section per area; each plugin receives its own. Durations are in milliseconds. */
export interface Config {
  readonly http: HttpSettings
  readonly gateway: GatewaySettings
  readonly journeys: JourneysSettings
}

/** Every setting at its default. */
export const defaultConfig: Config = Object.freeze({ http: defaultsOf(httpSettings), gateway: defaultsOf(gatewaySettings), journeys: defaultsOf(journeysSettings) })

/**
 * Reads and validates the environment once, at start. An empty variable counts as unset. Every
 * problem is reported at once, each naming the variable, the value and what was expected.
 */
export function loadConfig (env: Env): Config {
  const http = readSettings(httpSettings, env, httpChecks)
  const gateway = readSettings(gatewaySettings, env, gatewayChecks)
  const journeys = readSettings(journeysSettings, env, journeysChecks)
  const problems = [...http.problems, ...gateway.problems, ...journeys.problems]
  if (problems.length > 0) {
    throw new GatewayError('GW_ERR_CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  return Object.freeze({ http: http.values, gateway: gateway.values, journeys: journeys.values })
}
