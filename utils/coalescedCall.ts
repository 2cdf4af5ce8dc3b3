/**
 * `run` as callers see it: each call is answered by a run that starts after the call, and at most
 * one run is in flight with one queued behind it, whatever the call rate. A call made while a run
 * is in flight joins the queued one: the run in flight may have been sent before the caller's
 * moment, so its answer does not count for it.
 */
export function coalescedCall<T> (run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined
  let queued: Promise<T> | undefined

  const start = (): Promise<T> => {
    const current = Promise.resolve().then(run)
    inFlight = current
    const settle = (): void => { if (inFlight === current) inFlight = undefined }
    current.then(settle, settle)
    return current
  }

  return () => {
    if (queued !== undefined) return queued
    if (inFlight === undefined) return start()
    const next = inFlight.then(() => undefined, () => undefined).then(() => {
      queued = undefined
      return start()
    })
    queued = next
    return next
  }
}
