import type { HandlerDispatcher, HandlerDispatcherOptions } from './handlerDispatcher.js'
import { modelDispatcher } from './modelDispatcher.js'
import { WEBHOOK_RECEIVER_ORIGIN } from './origin.js'
import { createWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from './webhookReceiver.js'

export interface InProcessWebhookReceiverOptions extends WebhookReceiverOptions, Pick<HandlerDispatcherOptions, 'onRequest' | 'logger'> {}

/** The webhook receiver's model and a dispatcher that answers from it, for a client that needs no socket. */
export interface InProcessWebhookReceiver {
  readonly receiver: WebhookReceiver
  /** Give it to the client as its `dispatcher` (any origin, any path); faults go in front with `dispatcher.use()`. */
  readonly dispatcher: HandlerDispatcher
}

export function createInProcessWebhookReceiver (options: InProcessWebhookReceiverOptions = {}): InProcessWebhookReceiver {
  const receiver = createWebhookReceiver(options)
  return { receiver, dispatcher: modelDispatcher(receiver, WEBHOOK_RECEIVER_ORIGIN, options) }
}
