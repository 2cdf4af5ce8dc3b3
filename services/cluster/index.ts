/** The cluster area as the rest of the program sees it: the shared Redis and each process's role. */
export { redisPlugin } from './redisPlugin.js'
export { SharedRedis } from './sharedRedis.js'
export type { RedisState, SharedRedisOptions } from './sharedRedis.js'
export { clusterSettings, roles } from './settings.js'
export type { ClusterSettings, Role } from './settings.js'
