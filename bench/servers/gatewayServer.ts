import { buildApp } from '../../services/app.js'
import { MemoryEventStore } from '../../services/gateway/store/memoryEventStore.js'
import { createEvents, createUsers } from '../dataset.js'
import { benchAppConfig } from './benchAppConfig.js'
import { exitWithParent, reportListening } from './childProtocol.js'
import { integerFlag, readFlags } from './cliArgs.js'

/**
 * The gateway exactly as buildApp() makes it, over a MemoryEventStore seeded once with --size
 * events (the product has no seeding hook, and hydrating 1e6 events over HTTP is scenario 7's
 * business). --upstream is event.com for writes.
 *
 * With --redis (a URL) and --prefix, the gateway in shared mode instead: its store is the shared
 * one, hydrated from --upstream (a stand-in in `--mode=events`) or from what another instance on
 * the same prefix already put in Redis; the port is reported once it is hydrated.
 */
exitWithParent()
const flags = readFlags(['size', 'upstream', 'breaker-base-ms', 'redis', 'prefix'])
const size = integerFlag(flags, 'size', 1000)
const breakerBackoffBaseMs = integerFlag(flags, 'breaker-base-ms', 1000)
const shared = flags.redis !== undefined

let store: MemoryEventStore | undefined
if (!shared) {
  store = new MemoryEventStore()
  await store.load({ users: createUsers(), events: createEvents(size) })
}

const app = await buildApp({
  ...(store === undefined ? {} : { store, hydrate: false }),
  config: benchAppConfig({
    ...(shared && { REDIS_URL: flags.redis, REDIS_KEY_PREFIX: flags.prefix ?? 'bench:' }),
    // Reads never call event.com; port 9 (discard) stands in when no upstream is given.
    EVENT_SERVICE_URL: flags.upstream ?? 'http://127.0.0.1:9',
    BREAKER_BACKOFF_BASE_MS: String(breakerBackoffBaseMs),
    BREAKER_BACKOFF_MAX_MS: String(Math.max(60_000, breakerBackoffBaseMs))
  })
})
await app.listen({ host: '127.0.0.1', port: 0 })
await app.hydrator.hydrated
reportListening(app.server.address())
