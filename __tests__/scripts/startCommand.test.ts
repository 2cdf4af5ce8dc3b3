import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { stopGroup } from '../../utils/processGroup.js'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const script = 'scripts/ensureBuilt.mjs'

/** Runs the script that lives under `root` (it works on the folder above its own). */
function ensureBuilt (root: string, ...flags: string[]): { status: number | null, stderr: string } {
  return spawnSync(process.execPath, [join(root, script), ...flags], { encoding: 'utf8', timeout: 120_000 })
}

/** Distinct ports nothing listens on (all held open at once, so no two are the same). */
async function freePorts (count: number): Promise<number[]> {
  const servers: Server[] = Array.from({ length: count }, () => createServer())
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))))
  const ports = servers.map((server) => (server.address() as { port: number }).port)
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  return ports
}

/** The first status `url` answers with before `deadline` (a performance.now() time), polled every 20 ms. */
async function firstStatus (url: string, deadline: number, child: ChildProcess): Promise<number | string> {
  while (performance.now() < deadline) {
    if (child.exitCode !== null) return `exited with ${child.exitCode}`
    try {
      const response = await request(url, { reset: true })
      await response.body.dump()
      return response.statusCode
    } catch {
      await sleep(20)
    }
  }
  return 'no answer'
}


describe('npm start on a built tree', () => {
  // The suite may run right after an edit: this is where the build, if any, happens.
  beforeAll(() => {
    const result = ensureBuilt(repoRoot)
    expect(result.status, result.stderr).toBe(0)
  }, 120_000)

  it('answers GET /health within 5 s of the spawn while event.com is unreachable', async () => {
    const [port, nobody] = await freePorts(2)
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', EVENT_SERVICE_URL: `http://127.0.0.1:${String(nobody)}`, LOG_LEVEL: 'silent', MOCKS_PORT: '0', DATA_DIR: 'memory://', DATABASE_URL: '', REDIS_URL: '' }
    const spawnedAt = performance.now()
    // Its own process group, so that npm's child node can be stopped with it.
    const child = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
    const pid = child.pid!
    onTestFinished(() => stopGroup(pid))
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })

    expect(await firstStatus(`http://127.0.0.1:${String(port)}/health`, spawnedAt + 5000, child), stderr).toBe(200)
  })

  it('neither rebuilds nor prints anything when nothing changed', () => {
    const stamp = join(repoRoot, 'dist/.build-stamp')
    const builtAt = statSync(stamp).mtimeMs
    expect(ensureBuilt(repoRoot, '--check')).toMatchObject({ status: 0, stderr: '' })
    const startedAt = performance.now()
    expect(ensureBuilt(repoRoot)).toMatchObject({ status: 0, stderr: '' })
    // tsc alone takes seconds here.
    expect(performance.now() - startedAt).toBeLessThan(2000)
    expect(statSync(stamp).mtimeMs).toBe(builtAt)
  })
})

describe('ensureBuilt.mjs on a scratch project', () => {
  let root = ''
  const now = (): number => Date.now() / 1000
  const touch = (path: string): void => { utimesSync(join(root, path), now(), now()) }

  function write (path: string, text = '', mode = 0o644): void {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text, { mode })
  }

  /** Every file and folder an hour old, the stamp half an hour: a fresh build. */
  function age (dir: string): void {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) age(path)
      utimesSync(path, now() - 3600, now() - 3600)
    }
  }

  /** Stands in for tsc: records each run, then writes the output or fails like tsc does. */
  function fakeCompiler (fails: boolean): void {
    write('node_modules/.bin/tsc', [
      '#!/usr/bin/env node',
      "const fs = require('node:fs')",
      "fs.appendFileSync('compiler-runs', 'x')",
      fails
        ? "console.log('services/index.ts(1,1): error TS2322: not a number'); process.exit(2)"
        : "fs.mkdirSync('dist/services', { recursive: true }); fs.writeFileSync('dist/services/index.js', '')"
    ].join('\n'), 0o755)
  }

  const compilerRuns = (): number => existsSync(join(root, 'compiler-runs')) ? statSync(join(root, 'compiler-runs')).size : 0

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ensure-built-'))
    mkdirSync(join(root, 'scripts'))
    copyFileSync(join(repoRoot, script), join(root, script))
    for (const file of ['services/index.ts', 'services/http/route.ts', 'services/README.md', 'services/node_modules/dep.ts', 'services/dist/old.ts', 'utils/old.ts', 'mocks/handlers.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'dist/services/index.js']) {
      write(file, file.endsWith('.json') ? '{}' : '')
    }
    fakeCompiler(false)
    age(root)
    write('dist/.build-stamp')
    utimesSync(join(root, 'dist/.build-stamp'), now() - 1800, now() - 1800)
  })
  afterEach(() => { rmSync(root, { recursive: true, force: true }) })

  it('is fresh when no input is newer than the stamp', () => {
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 0, stderr: '' })
  })

  it.each(['services/http/route.ts', 'utils/old.ts', 'mocks/handlers.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'])('is stale when %s is newer, and says so', (path) => {
    touch(path)
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 1, stderr: `gateway: stale, ${path} is newer than the last build\n` })
    expect(compilerRuns()).toBe(0)
  })

  it('is stale when a source file was deleted', () => {
    rmSync(join(root, 'utils/old.ts'))
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 1, stderr: 'gateway: stale, utils/ is newer than the last build\n' })
  })

  it('ignores what tsc does not compile: other extensions, node_modules, dist', () => {
    for (const path of ['services/README.md', 'services/node_modules/dep.ts', 'services/dist/old.ts', 'dist/services/index.js']) touch(path)
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 0, stderr: '' })
  })

  it('is stale without a stamp or without the entry point', () => {
    rmSync(join(root, 'dist/services/index.js'))
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 1, stderr: 'gateway: stale, dist/services/index.js is missing\n' })
    rmSync(join(root, 'dist/.build-stamp'))
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 1, stderr: 'gateway: stale, no build yet\n' })
  })

  it('builds once when stale, saying why, and is fresh afterwards', () => {
    touch('services/index.ts')
    expect(ensureBuilt(root)).toMatchObject({ status: 0, stderr: 'gateway: building, services/index.ts is newer than the last build\n' })
    expect(ensureBuilt(root)).toMatchObject({ status: 0, stderr: '' })
    expect(compilerRuns()).toBe(1)
  })

  it('builds a fresh tree when forced', () => {
    expect(ensureBuilt(root, '--force')).toMatchObject({ status: 0, stderr: 'gateway: building, as asked (--force)\n' })
    expect(compilerRuns()).toBe(1)
  })

  it('exits 1 on a failed build, showing the compiler output, and stays stale', () => {
    fakeCompiler(true)
    touch('services/index.ts')
    const result = ensureBuilt(root)
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('services/index.ts(1,1): error TS2322: not a number')
    expect(result.stderr).toContain('gateway: tsc -p tsconfig.build.json failed (exit 2)')
    expect(ensureBuilt(root, '--check')).toMatchObject({ status: 1, stderr: 'gateway: stale, no build yet\n' })
  })
})
