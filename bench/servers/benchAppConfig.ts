import { loadConfig } from '../../services/config.js'
import type { Config, Env } from '../../services/config.js'

/**
 * The production configuration, read the way the process reads it (so new settings and their
 * defaults arrive here by themselves), except the rate limits: they stay on (their per-request cost
 * is part of what we measure) with ceilings no benchmark reaches, so no run is measuring 429s. The
 * journeys engine is off: these processes measure the gateway's routes (scenario 10 runs the real
 * process with journeys on), and on by default it needs an email API these processes do not start.
 */
export function benchAppConfig (env: Env = {}): Config {
  return loadConfig({ RATE_LIMIT_MAX: '100000000', RATE_LIMIT_WRITE_MAX: '100000000', JOURNEYS_ENABLED: 'false', ...env })
}
