/**
 * The gateway area as the rest of the program sees it: its plugins, and the types of what they
 * decorate. Other areas import from here, never from the files behind it.
 */
export { eventServicePlugin } from './upstream/eventServicePlugin.js'
export { eventStorePlugin } from './store/eventStorePlugin.js'
export { hydrationPlugin } from './store/hydrationPlugin.js'
export { idempotencyPlugin } from './idempotency/idempotencyPlugin.js'
export { eventWritesPlugin } from './writes/eventWritesPlugin.js'
export { gatewayRoutes } from './routes/gatewayRoutes.js'
export type { EventServiceClient } from './upstream/eventServiceClient.js'
export type { Event, EventStore, User } from './store/eventStore.js'
export type { Hydrator, Sleep } from './store/hydrator.js'
export type { IdempotencyKeys } from './idempotency/idempotencyKeys.js'
export type { EventWrites, WriteHook } from './writes/eventWrites.js'
