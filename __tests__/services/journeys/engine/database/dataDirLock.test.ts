import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirLockedError, lockDataDir } from '../../../../../services/journeys/engine/database/dataDirLock.js'

const folders: string[] = []
afterEach(() => { for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true }) })

function folder (): string {
  const path = mkdtempSync(join(tmpdir(), 'gateway-lock-'))
  folders.push(path)
  return path
}

describe('lockDataDir', () => {
  it('holds the folder with this process\'s pid, and lets it go', () => {
    const dir = folder()
    const release = lockDataDir(dir)
    expect(readFileSync(join(dir, 'gateway.lock'), 'utf8')).toBe(String(process.pid))
    release()
    expect(existsSync(join(dir, 'gateway.lock'))).toBe(false)
  })

  it('refuses a folder another live process holds, naming the folder and the pid', async () => {
    const dir = folder()
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
    const pid = other.pid ?? 0
    writeFileSync(join(dir, 'gateway.lock'), String(pid))
    try {
      let thrown: unknown
      try { lockDataDir(dir) } catch (error) { thrown = error }
      expect(thrown).toBeInstanceOf(DataDirLockedError)
      expect((thrown as Error).message).toContain(dir)
      expect((thrown as Error).message).toContain(String(pid))
    } finally {
      other.kill('SIGKILL')
      await new Promise((resolve) => other.once('exit', resolve))
    }
  })

  it('takes over a lock left by a process that died', async () => {
    const dir = folder()
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
    await new Promise((resolve) => dead.once('exit', resolve))
    writeFileSync(join(dir, 'gateway.lock'), String(dead.pid))
    const release = lockDataDir(dir)
    expect(readFileSync(join(dir, 'gateway.lock'), 'utf8')).toBe(String(process.pid))
    release()
  })
})
