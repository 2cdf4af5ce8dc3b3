/** No run has that id. */
export class RunNotFoundError extends Error {
  constructor (readonly runId: string) {
    super(`No run has id ${JSON.stringify(runId)}`)
    this.name = 'RunNotFoundError'
  }
}

/** The run is in a status that does not allow what was asked (cancel an ended run, retry one that did not fail). */
export class RunConflictError extends Error {
  constructor (readonly runId: string, readonly status: string, action: string) {
    super(`Run ${runId} is ${status}: it cannot be ${action}`)
    this.name = 'RunConflictError'
  }
}

/** No trigger event has that id. */
export class EventNotFoundError extends Error {
  constructor (readonly eventId: string) {
    super(`No trigger event has id ${JSON.stringify(eventId)}`)
    this.name = 'EventNotFoundError'
  }
}
