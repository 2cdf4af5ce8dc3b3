/** The operability area as the rest of the program sees it: its plugins, its routes and the types other areas report through. */
export { docsPlugin } from './docsPlugin.js'
export { healthPlugin } from './health/healthPlugin.js'
export { metricsPlugin } from './metrics/metricsPlugin.js'
export { healthRoutes } from './routes/health.js'
export { metricsRoute } from './routes/metricsRoute.js'
export { counter, gauge, histogram } from './metrics/metricFamily.js'
export type { Health, HealthSection, ReadinessCheck } from './health/health.js'
export type { Metrics } from './metrics/metricsRegistry.js'
