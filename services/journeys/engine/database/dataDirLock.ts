import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Another process holds the folder: it is named, with the holder's pid. */
export class DataDirLockedError extends Error {
  readonly dataDir: string
  readonly pid: number

  constructor (dataDir: string, pid: number) {
    super(`DATA_DIR ${dataDir} is in use by process ${pid}: two processes on one embedded database would corrupt it; stop that one or choose another DATA_DIR`)
    this.name = 'DataDirLockedError'
    this.dataDir = dataDir
    this.pid = pid
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Holds `dataDir` for this process: PGlite takes no lock of its own, and two processes opening one
 * folder both write to it. The lock is a file holding the pid; one left by a process that died is
 * taken over. Returns the release function.
 */
export function lockDataDir (dataDir: string): () => void {
  const folder = resolve(dataDir)
  mkdirSync(folder, { recursive: true })
  const path = join(folder, 'gateway.lock')
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => { rmSync(path, { force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number(readFileSync(path, 'utf8').trim())
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DataDirLockedError(folder, holder)
      // Stale: its process is gone (a crash or SIGKILL leaves the file behind).
      rmSync(path, { force: true })
    }
  }
  throw new DataDirLockedError(folder, Number.NaN)
}
