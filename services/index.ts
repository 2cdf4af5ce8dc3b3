import pino from 'pino'
import { loadConfig } from './config.js'
import type { Config } from './config.js'
import { startServer } from './server.js'
import type { RunningServer } from './server.js'

/** The process entry point: configuration, logger, listen, graceful shutdown on SIGTERM/SIGINT. */
let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}

const logger = pino({ level: config.http.logLevel })
let server: RunningServer
try {
  server = await startServer(config, logger)
} catch (error) {
  logger.fatal({ err: error }, `the gateway could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down')
    void server.close().then((clean) => { process.exit(clean ? 0 : 1) })
  })
}
