import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { startTestEngine } from './testEngine.js'
import type { TestEngine } from './testEngine.js'

/** A dashboard of a few known files in a temporary folder, so tests do not depend on the real pages' content. */
export const dashboardFiles: Readonly<Record<string, string>> = {
  'index.html': '<!doctype html><title>Dashboard</title><script src="js/app.js"></script>',
  'login.html': '<!doctype html><title>Log in</title><form method="post" action="/dashboard/login"></form>',
  'js/app.js': 'export const app = true\n',
  'js/login.js': 'export const login = true\n',
  'css/dashboard.css': 'body { margin: 0 }\n',
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  '.secret': 'never served\n'
}

/** Writes them; the folder is removed by the returned function. */
export function writeDashboardFiles (): { readonly dir: string, readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'))
  for (const [path, text] of Object.entries(dashboardFiles)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return { dir, remove: () => { rmSync(dir, { recursive: true, force: true }) } }
}

/**
 * What a dashboard suite shares: an engine that takes no steps, and the known files, set up before
 * its tests and removed after them.
 */
export function dashboardSuite (): { readonly engine: () => TestEngine, readonly dir: () => string } {
  let engine: TestEngine | undefined
  let files: ReturnType<typeof writeDashboardFiles> | undefined
  beforeAll(async () => {
    engine = await startTestEngine('pglite', { work: false })
    files = writeDashboardFiles()
  }, 60_000)
  afterAll(async () => {
    await engine?.stop()
    files?.remove()
  })
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the dashboard suite has not started')
    return value
  }
  return { engine: () => ready(engine), dir: () => ready(files).dir }
}
