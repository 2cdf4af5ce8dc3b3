import { createEventService, type EventService, type EventServiceOptions } from './eventService.js'
import { HandlerDispatcher, type HandlerDispatcherOptions } from './handlerDispatcher.js'

export interface InProcessEventServiceOptions extends EventServiceOptions, Pick<HandlerDispatcherOptions, 'onRequest' | 'logger'> {}

/** event.com's model and a dispatcher that answers from it, for a client that needs no socket. */
export interface InProcessEventService {
  readonly service: EventService
  /** Give it to the client as its `dispatcher`; faults go in front of the model with `dispatcher.use()`. */
  readonly dispatcher: HandlerDispatcher
}

export function createInProcessEventService (options: InProcessEventServiceOptions = {}): InProcessEventService {
  const service = createEventService(options)
  const dispatcher = new HandlerDispatcher({
    handlers: service.handlers,
    scenario: () => service.scenario,
    onRequest: options.onRequest,
    logger: options.logger
  })
  return { service, dispatcher }
}
