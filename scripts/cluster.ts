/**
 * A local cluster for trying the gateway as many processes: api instances on consecutive ports and
 * journey workers, against the local Redis and PostgreSQL, with the mocks of event.com, the email
 * provider and the webhook receiver served from this process. Ctrl-C stops it all.
 *
 *   npm run cluster [-- --api 3 --workers 2 --port 3000]
 *
 * REDIS_URL and DATABASE_URL choose the servers (default redis://127.0.0.1:6379 and
 * postgres://root@127.0.0.1:5432/test); MOCKS_PORT the mocks' port (default: the one after the
 * cluster's range). The mocks start
 * afresh every time, so the cluster's Redis keys do too: a prefix of its own, deleted when it stops,
 * unless REDIS_KEY_PREFIX names one.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { startMocks } from '../mocks/bridge.js'
import { deleteRedisKeys, ensureBuilt, startCluster } from './clusterProcesses.js'

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: '2' },
    workers: { type: 'string', default: '1' },
    port: { type: 'string', default: '3000' }
  }
})

function count (option: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    process.stderr.write(`${option === 'MOCKS_PORT' ? option : `--${option}`}=${JSON.stringify(raw)} is invalid: expected an integer from ${min} to ${max}\n`)
    process.exit(2)
  }
  return value
}

const api = count('api', values.api, 1, 64)
const workers = count('workers', values.workers, 0, 64)
const basePort = count('port', values.port, 1, 65_535 - api - workers)
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test'
const ownPrefix = process.env.REDIS_KEY_PREFIX === undefined || process.env.REDIS_KEY_PREFIX === ''
const keyPrefix = ownPrefix ? `cluster:${randomBytes(4).toString('hex')}:` : process.env.REDIS_KEY_PREFIX ?? ''
const write = (text: string): void => { process.stdout.write(`${text}\n`) }

ensureBuilt()
// The mocks take the port after the cluster's range unless MOCKS_PORT says otherwise.
const mocksPort = process.env.MOCKS_PORT === undefined || process.env.MOCKS_PORT === '' ? basePort + api + workers : count('MOCKS_PORT', process.env.MOCKS_PORT, 0, 65_535)
if (mocksPort >= basePort && mocksPort < basePort + api + workers) {
  process.stderr.write(`MOCKS_PORT=${mocksPort} is invalid: it is inside the cluster's ports ${basePort}–${basePort + api + workers - 1}\n`)
  process.exit(2)
}
const mocks = await startMocks({ port: mocksPort, logger: pino({ level: 'warn' }) })
const cluster = startCluster({
  api,
  workers,
  basePort,
  redisUrl,
  databaseUrl,
  eventServiceUrl: mocks.url,
  emailApiUrl: mocks.emailUrl,
  env: { REDIS_KEY_PREFIX: keyPrefix },
  onLine: (name, line) => { write(`${name.padEnd(9)} ${line}`) }
})

let stopping = false
async function stop (code: number): Promise<never> {
  stopping = true
  await cluster.stop()
  await mocks.close()
  if (ownPrefix) await deleteRedisKeys(redisUrl, keyPrefix)
  process.exit(code)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { void stop(0) })
for (const one of cluster.processes) {
  void one.exited.then((code) => {
    if (stopping) return
    write(`${one.name} exited with ${String(code)}; stopping the cluster`)
    void stop(1)
  })
}

try {
  await cluster.ready()
} catch (error) {
  write(error instanceof Error ? error.message : String(error))
  await stop(1)
}
write('')
write(`cluster ready: Redis ${new URL(redisUrl).host} (keys under ${keyPrefix}), PostgreSQL ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}`)
for (const one of cluster.processes) write(`  ${one.name.padEnd(9)} ${one.url}`)
write(`  mocks     ${mocks.url} (event.com), ${mocks.emailUrl}, ${mocks.webhooksUrl}`)
write('Ctrl-C stops every process.')
