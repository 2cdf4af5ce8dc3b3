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

/**
 * Reports the port a server bound, once the garbage of its set-up is collected (the runner starts
 * every server with --expose-gc). A store seeded just before would otherwise leave its garbage to a
 * full collection during the first measured runs (about 0.6 s of main-thread marking for a heap
 * of 1e6 events), charged to whichever arm happens to run first.
 */
export function reportListening (address: unknown): void {
  globalThis.gc?.()
  sendMessage({ port: portOf(address) })
}

/** Ends the process when the parent closes our stdin (or dies), or on SIGTERM. */
export function exitWithParent (): void {
  const exit = (): void => { process.exit(0) }
  process.stdin.on('end', exit)
  process.stdin.on('error', exit)
  process.stdin.resume()
  process.once('SIGTERM', exit)
}
