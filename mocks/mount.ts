import type { RequestHandler } from 'msw'
import type { Logger } from 'pino'
import type { DeliveryControlContext } from './deliveryControlApi.js'
import type { DeliveryScenario } from './deliveryScenario.js'
import type { EmailProvider } from './emailProvider.js'
import type { MockScenario } from './mockScenario.js'
import type { WebhookReceiver } from './webhookReceiver.js'

/** A model served under a prefix of the socket. */
export interface Mount {
  /** For the logs. */
  readonly name: string
  readonly prefix: string
  readonly origin: string
  readonly handlers: readonly RequestHandler[]
  /** The scenario pinned on a request as it arrives. */
  readonly admit: () => MockScenario
}

export interface DeliveryMount extends Mount {
  readonly controlPrefix: string
  readonly control: DeliveryControlContext
}

/** The email provider or the webhook receiver as the bridge serves it, its control API logging scenario changes. */
export function deliveryMount (name: string, prefix: string, origin: string, controlPrefix: string, model: EmailProvider | WebhookReceiver, logger: Logger): DeliveryMount {
  return {
    name,
    prefix,
    origin,
    handlers: model.handlers,
    admit: model.admit,
    controlPrefix,
    control: {
      scenario: () => model.scenario,
      setScenario: (scenario: DeliveryScenario) => {
        model.setScenario(scenario)
        logger.info({ mock: name, scenario }, 'mock scenario changed')
      },
      received: model.received,
      clear: model.clear
    }
  }
}
