import { pino } from 'pino'
import { SettingsError } from '../utils/settings/readSettings.js'
import { startMockEventService } from './bridge.js'
import { readMockConfig } from './mockConfig.js'

// The `npm run mock` process: configuration, logger, listen, graceful close. Nothing else in mocks/ listens on import.
const logger = pino({ name: 'mock-event-service' })

async function main (): Promise<void> {
  const config = readMockConfig(process.env)
  const mock = await startMockEventService({ ...config, logger })
  logger.info({ url: mock.url, scenario: config.scenario }, 'mock event service listening')

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'mock event service closing')
    mock.close().then(
      // Exit explicitly: a slow scenario's pending delays would otherwise keep the process alive.
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'mock event service failed to close')
        process.exit(1)
      }
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) logger.fatal({ problems: error.problems }, error.message)
  else logger.fatal({ err: error }, 'mock event service failed to start')
  process.exitCode = 1
})
