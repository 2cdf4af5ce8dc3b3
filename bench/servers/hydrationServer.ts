import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from '../../services/app.js'
import { benchAppConfig } from './benchAppConfig.js'
import { exitWithParent, reportListening, sendMessage } from './childProtocol.js'
import { integerFlag, readFlags } from './cliArgs.js'

/**
 * The gateway as it starts in production: an empty store hydrated from --upstream's /getUsers and
 * /getEvents. Reports its port at once (so /health can be polled during hydration), then a second
 * line with how long hydration took and how long the event loop stalled meanwhile, as seen from
 * inside this process.
 */
exitWithParent()
const flags = readFlags(['upstream', 'deadline-ms'])
if (flags.upstream === undefined) throw new TypeError('--upstream is required')
const deadlineMs = integerFlag(flags, 'deadline-ms', 60_000)

const delayResolutionMs = 10
const delay = monitorEventLoopDelay({ resolution: delayResolutionMs })
const app = await buildApp({ config: benchAppConfig({ EVENT_SERVICE_URL: flags.upstream }) })
// Hydration starts in the onReady hook, i.e. inside listen(): measure from just before it.
delay.enable()
const start = performance.now()
await app.listen({ host: '127.0.0.1', port: 0 })
reportListening(app.server.address())

const outcome = await Promise.race([
  app.hydrator.hydrated.then(() => 'hydrated' as const),
  sleep(deadlineMs, 'deadline' as const, { ref: false })
])
const hydrateMs = performance.now() - start
// Hydration ends in one long synchronous stretch (parse, then load) whose delay the monitor only
// records on its next tick; reading it in this continuation would miss exactly the worst stall.
await sleep(5 * delayResolutionMs)
delay.disable()
const counts = await app.eventStore.counts()
sendMessage({
  outcome,
  hydrateMs,
  delayMaxMs: delay.max / 1e6,
  delayP99Ms: delay.percentile(99) / 1e6,
  failures: app.hydrator.failures,
  events: counts.events
})
