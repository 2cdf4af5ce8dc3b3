import { connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'

/** The app listening on an ephemeral port of 127.0.0.1; its port. */
export async function listenOn (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

/** A raw client connection: what it received so far, and whether and when the server closed it. */
export interface RawClient {
  readonly socket: Socket
  received: () => string
  /** Resolves once the server has closed the connection (or it was reset), with the milliseconds it stayed open. */
  readonly closed: Promise<number>
  /** Resolves once `text` has been received; rejects after `deadlineMs` (a hang becomes a readable failure). */
  waitFor: (text: string, deadlineMs?: number) => Promise<void>
  send: (bytes: string) => void
}

export async function openRaw (port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1')
  const openedAt = performance.now()
  let text = ''
  const listeners = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
    for (const listener of listeners) listener()
  })
  socket.on('error', () => { /* a reset is a close */ })
  const closed = new Promise<number>((resolve) => { socket.on('close', () => { resolve(performance.now() - openedAt); for (const listener of listeners) listener() }) })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
  return {
    socket,
    received: () => text,
    closed,
    send: (bytes) => { socket.write(bytes) },
    waitFor: (expected, deadlineMs = 5000) => new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (text.includes(expected)) { done(); resolve() } else if (socket.destroyed) { done(); reject(new Error(`closed before ${JSON.stringify(expected)}; got ${JSON.stringify(text)}`)) }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`gave up waiting for ${JSON.stringify(expected)}; got ${JSON.stringify(text)}`)) }, deadlineMs)
      const done = (): void => { clearTimeout(timer); listeners.delete(check) }
      listeners.add(check)
      check()
    })
  }
}

/** Sends `bytes` on a fresh connection and resolves with everything received once the server closes it. */
export async function exchange (port: number, bytes: string, deadlineMs = 5000): Promise<string> {
  const client = await openRaw(port)
  client.send(bytes)
  const timer = setTimeout(() => { client.socket.destroy() }, deadlineMs)
  await client.closed
  clearTimeout(timer)
  return client.received()
}

/** The status lines of every response in `raw`, in order: `[201, 400]`. */
export function statuses (raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]))
}

/** The JSON bodies of the problem responses in `raw`, in order. */
export function problemBodies (raw: string): Record<string, unknown>[] {
  // Problem bodies hold no nested object.
  return [...raw.matchAll(/\{"type":"urn:event-gateway:problem:[^}]*\}/g)].map((match) => JSON.parse(match[0]) as Record<string, unknown>)
}
