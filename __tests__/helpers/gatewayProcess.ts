import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { request } from 'undici'
import { eventually } from './eventually.js'

/** One log line of the gateway (pino JSON). */
export interface LogLine {
  readonly msg: string
  readonly level: number
  readonly [field: string]: unknown
}

export interface GatewayProcess {
  readonly child: ChildProcess
  /** Every line logged so far. */
  readonly lines: LogLine[]
  /** Resolves with the URL once the gateway listens; rejects if the process exits first. */
  readonly listening: Promise<string>
  /** Resolves once /ready answers 200 (store hydrated, journeys engine ready). */
  ready: (withinMs?: number) => Promise<string>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  kill: (signal: NodeJS.Signals) => Promise<number | null>
}

/** `npm start`'s entry from source (tsx), as a child process with `env` over this one's. */
export function startGatewayProcess (env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/index.ts'], {
    // One process alone unless the test shares a Redis itself: the machine's REDIS_URL (CI exports it) is not inherited.
    env: { ...process.env, LOG_LEVEL: 'info', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: LogLine[] = []
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: LogLine
      try {
        line = JSON.parse(text) as LogLine
      } catch {
        return
      }
      lines.push(line)
      const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.msg)?.[1]
      if (url !== undefined) resolve(url)
    })
    void exited.then((code) => { reject(new Error(`the gateway exited with ${String(code)} before listening: ${stderr}${lines.map((line) => line.msg).join('\n')}`)) })
  })
  listening.catch(() => undefined)
  return {
    child,
    lines,
    listening,
    exited,
    async ready (withinMs = 60_000) {
      const url = await listening
      await eventually('the gateway is ready', async () => {
        const response = await request(`${url}/ready`)
        await response.body.dump()
        return response.statusCode === 200 ? true : undefined
      }, withinMs, 100)
      return url
    },
    async kill (signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}
