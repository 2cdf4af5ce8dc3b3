/** Makes the signal that ends a call after `timeoutMs` milliseconds. */
export type TimeoutSignal = (timeoutMs: number) => AbortSignal

/** One call's abort signal: its deadline and its caller's signal, and which of them fired first. */
export interface CallSignal {
  readonly signal: AbortSignal
  /** Why the call was aborted, once it was. */
  readonly cause: () => 'timeout' | 'cancelled' | undefined
  /** Stops the deadline and forgets the caller's signal; call once the call is over. */
  readonly clear: () => void
}

/**
 * Joins the deadline and the caller's signal into one, remembering which aborted first: a run
 * cancelled mid-call is not a destination that timed out. A timer of our own unless `timeoutSignal`
 * is given (then the signal belongs to its maker and nothing is cleared).
 */
export function callSignal (timeoutMs: number, timeoutSignal: TimeoutSignal | undefined, caller: AbortSignal | undefined): CallSignal {
  const controller = new AbortController()
  let cause: 'timeout' | 'cancelled' | undefined
  const abort = (why: 'timeout' | 'cancelled', reason: unknown): void => {
    if (cause !== undefined) return
    cause = why
    controller.abort(reason)
  }
  const onTimeout = (): void => { abort('timeout', new DOMException('The destination did not answer in time', 'TimeoutError')) }
  const onCancel = (): void => { abort('cancelled', caller?.reason) }

  let timer: NodeJS.Timeout | undefined
  const deadline = timeoutSignal?.(timeoutMs)
  if (deadline === undefined) {
    timer = setTimeout(onTimeout, timeoutMs)
    timer.unref()
  } else if (deadline.aborted) {
    onTimeout()
  } else {
    deadline.addEventListener('abort', onTimeout, { once: true })
  }
  if (caller?.aborted === true) onCancel()
  else caller?.addEventListener('abort', onCancel, { once: true })

  return {
    signal: controller.signal,
    cause: () => cause,
    clear () {
      clearTimeout(timer)
      deadline?.removeEventListener('abort', onTimeout)
      caller?.removeEventListener('abort', onCancel)
    }
  }
}
