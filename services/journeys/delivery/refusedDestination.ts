/** A connection was refused because the destination's address is one flows may never reach. */
export class RefusedDestinationError extends Error {
  readonly address: string

  constructor (hostname: string, address: string) {
    super(`${hostname} resolves to ${address}, a link-local or cloud metadata address`)
    this.name = 'RefusedDestinationError'
    this.address = address
  }
}

export function isRefusedDestination (error: unknown): error is RefusedDestinationError {
  return error instanceof RefusedDestinationError
}
