import { defaultConfig } from '../../services/config.js'
import type { Config } from '../../services/config.js'
import type { ClusterSettings } from '../../services/cluster/settings.js'
import type { GatewaySettings } from '../../services/gateway/settings.js'
import type { HttpSettings } from '../../services/http/settings.js'
import type { JourneysSettings } from '../../services/journeys/settings.js'

/** Changes to some settings of some areas. */
export interface ConfigOverrides {
  readonly http?: Partial<HttpSettings>
  readonly gateway?: Partial<GatewaySettings>
  readonly journeys?: Partial<JourneysSettings>
  readonly cluster?: Partial<ClusterSettings>
}

/**
 * The defaults, with rate limits off so no test meets a 429 it did not ask for, and journeys off
 * (each engine is a database and a thread): the journeys suites turn them on with a shared engine.
 */
export const testConfig: Config = withConfig(defaultConfig, {
  http: { rateLimitMax: 0, rateLimitWriteMax: 0, rateLimitEventMax: 0, rateLimitAdminMax: 0 },
  gateway: { mocksPort: 0 },
  journeys: { journeysEnabled: false }
})

/** `base` with `overrides` applied, area by area. */
export function withConfig (base: Config, overrides: ConfigOverrides = {}): Config {
  return {
    http: { ...base.http, ...overrides.http },
    gateway: { ...base.gateway, ...overrides.gateway },
    journeys: { ...base.journeys, ...overrides.journeys },
    cluster: { ...base.cluster, ...overrides.cluster }
  }
}
