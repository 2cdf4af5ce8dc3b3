import { pino } from 'pino'
import { SettingsError } from '../utils/settings/readSettings.js'
import { startMocks } from './bridge.js'
import { CONTROL_PREFIX } from './controlApi.js'
import { EMAIL_CONTROL_PREFIX, WEBHOOKS_CONTROL_PREFIX } from './deliveryControlApi.js'
import { readMockConfig } from './mockConfig.js'

// The `npm run mock` process: configuration, logger, listen, graceful close. Nothing else in mocks/ listens on import.
const logger = pino({ name: 'mocks' })

async function main (): Promise<void> {
  const { host, port, scenario, emailScenario, webhookScenario } = readMockConfig(process.env)
  const mocks = await startMocks({
    host,
    port,
    scenario,
    email: emailScenario === undefined ? {} : { scenario: emailScenario },
    webhooks: webhookScenario === undefined ? {} : { scenario: webhookScenario },
    logger
  })
  logger.info({ url: mocks.url, scenario, control: `${mocks.url}${CONTROL_PREFIX}` }, 'mock event service listening')
  logger.info({ url: mocks.emailUrl, scenario: mocks.email.scenario, control: `${mocks.url}${EMAIL_CONTROL_PREFIX}` }, 'mock email provider listening')
  logger.info({ url: mocks.webhooksUrl, scenario: mocks.webhooks.scenario, control: `${mocks.url}${WEBHOOKS_CONTROL_PREFIX}` }, 'mock webhook receiver listening')

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'mocks closing')
    mocks.close().then(
      // Exit explicitly: a slow scenario's pending delays would otherwise keep the process alive.
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'mocks failed to close')
        process.exit(1)
      }
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) logger.fatal({ problems: error.problems }, error.message)
  else logger.fatal({ err: error }, 'mocks failed to start')
  process.exitCode = 1
})
