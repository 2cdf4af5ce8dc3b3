import { connect, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

/**
 * A TCP proxy in front of the machine's PostgreSQL (127.0.0.1:5432), for a test's own database:
 * `cut()` destroys every connection and refuses new ones (the server is away, as in a restart),
 * `restore()` accepts them again on the same port. The shared server itself is never touched.
 */
export interface PostgresProxy {
  readonly port: number
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor: (databaseUrl: string) => string
  cut: () => Promise<void>
  restore: () => Promise<void>
  close: () => Promise<void>
}

export async function postgresProxy (targetPort = 5432): Promise<PostgresProxy> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }
  const accept = (client: Socket): void => {
    const upstream = connect(targetPort, '127.0.0.1')
    track(client)
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }
  let server: Server = createServer(accept)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let listening = true

  const cut = async (): Promise<void> => {
    if (!listening) return
    listening = false
    const closed = new Promise((resolve) => server.close(resolve))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  return {
    port,
    urlFor: (databaseUrl) => {
      const url = new URL(databaseUrl)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      return url.href
    },
    cut,
    async restore () {
      if (listening) return
      server = createServer(accept)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve() })
      })
      listening = true
    },
    close: cut
  }
}
