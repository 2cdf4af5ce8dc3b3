/**
 * The child side of the protocol spoken with serverProcess.ts: one JSON object per stdout line
 * (the first one says which port the server listens on), and exit as soon as the parent goes
 * away, so an interrupted benchmark never leaves servers behind.
 */
export function sendMessage (message: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

/** The port a server bound, from `server.address()`. */
export function portOf (address: unknown): number {
  const port = (address as { port?: unknown } | null)?.port
  if (typeof port !== 'number') throw new TypeError('the server is not listening on a TCP port')
  return port
}

/** Ends the process when the parent closes our stdin (or dies), or on SIGTERM. */
export function exitWithParent (): void {
  const exit = (): void => { process.exit(0) }
  process.stdin.on('end', exit)
  process.stdin.on('error', exit)
  process.stdin.resume()
  process.once('SIGTERM', exit)
}
