import { createEmailProvider, type EmailProvider, type EmailProviderOptions } from './emailProvider.js'
import type { HandlerDispatcher, HandlerDispatcherOptions } from './handlerDispatcher.js'
import { modelDispatcher } from './modelDispatcher.js'
import { EMAIL_PROVIDER_ORIGIN } from './origin.js'

export interface InProcessEmailProviderOptions extends EmailProviderOptions, Pick<HandlerDispatcherOptions, 'onRequest' | 'logger'> {}

/** The email provider's model and a dispatcher that answers from it, for a client that needs no socket. */
export interface InProcessEmailProvider {
  readonly provider: EmailProvider
  /** Give it to the client as its `dispatcher` (any origin, `POST /emails`); faults go in front with `dispatcher.use()`. */
  readonly dispatcher: HandlerDispatcher
}

export function createInProcessEmailProvider (options: InProcessEmailProviderOptions = {}): InProcessEmailProvider {
  const provider = createEmailProvider(options)
  return { provider, dispatcher: modelDispatcher(provider, EMAIL_PROVIDER_ORIGIN, options) }
}
