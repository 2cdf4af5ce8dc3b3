import { Dispatcher } from 'undici'
import { toResponseSink } from './responseSink.js'

/**
 * An undici Dispatcher that hands each request to the dispatcher for its origin, e.g. the email
 * provider's and the webhook receiver's in-process models behind one client. A request for an
 * origin it does not know fails as a refused connection would.
 */
export class OriginRouter extends Dispatcher {
  readonly #routes: ReadonlyMap<string, Dispatcher>

  constructor (routes: Readonly<Record<string, Dispatcher>>) {
    super()
    this.#routes = new Map(Object.entries(routes).map(([origin, dispatcher]) => [new URL(origin).origin, dispatcher]))
  }

  override dispatch (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = options.origin === undefined ? undefined : new URL(String(options.origin)).origin
    const target = origin === undefined ? undefined : this.#routes.get(origin)
    if (target === undefined) {
      const error = Object.assign(new Error(`connect ECONNREFUSED ${origin ?? '(no origin)'}`), { code: 'ECONNREFUSED', syscall: 'connect' })
      const sink = toResponseSink(handler)
      queueMicrotask(() => { sink.error(error) })
      return true
    }
    return target.dispatch(options, handler)
  }

  override async close (): Promise<void> {
    await Promise.all([...this.#routes.values()].map((dispatcher) => dispatcher.close()))
  }

  override async destroy (): Promise<void> {
    await Promise.all([...this.#routes.values()].map((dispatcher) => dispatcher.destroy()))
  }
}
