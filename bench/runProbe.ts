import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { repoRoot } from './serverProcess.js'

const benchDir = fileURLToPath(new URL('.', import.meta.url))

/**
 * Runs a measuring script (path relative to bench/) in its own process under tsx, bounded in time,
 * and returns the JSON object on its last stdout line.
 */
export async function runProbe (script: string, args: readonly string[], options: { readonly nodeFlags?: readonly string[], readonly timeoutMs: number }): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [...options.nodeFlags ?? [], '--import', 'tsx', `${benchDir}${script}`, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const deadline = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs)
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  const code = await new Promise<number | null>((resolve) => { child.on('close', resolve) })
  clearTimeout(deadline)
  if (code !== 0) throw new Error(`${script} exited with ${String(code)}${child.signalCode === null ? '' : ` (${child.signalCode}, after ${options.timeoutMs} ms?)`}`)
  const lastLine = stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(lastLine) as Record<string, unknown>
}
