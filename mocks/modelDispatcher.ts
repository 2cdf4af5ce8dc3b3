import type { RequestHandler } from 'msw'
import { HandlerDispatcher } from './handlerDispatcher.js'
import type { HandlerDispatcherOptions } from './handlerDispatcher.js'
import type { MockScenario } from './mockScenario.js'

/** What a delivery model (the email provider, the webhook receiver) offers a dispatcher. */
export interface DispatchableModel {
  readonly handlers: readonly RequestHandler[]
  readonly admit: () => MockScenario
}

/** A dispatcher that answers from `model` for a client that needs no socket, its scenario pinned on each request. */
export function modelDispatcher (model: DispatchableModel, origin: string, options: Pick<HandlerDispatcherOptions, 'onRequest' | 'logger'> = {}): HandlerDispatcher {
  return new HandlerDispatcher({ handlers: model.handlers, origin, scenario: model.admit, onRequest: options.onRequest, logger: options.logger })
}
