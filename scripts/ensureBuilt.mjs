/**
 * Compiles only when something changed: tsc costs ~6 s on a 2-core machine, the check a few ms.
 * Plain JavaScript so that it runs before anything is compiled.
 *
 *   node scripts/ensureBuilt.mjs           build whatever is stale
 *   node scripts/ensureBuilt.mjs --check   build nothing; exit 0 when fresh, 1 when stale
 *   node scripts/ensureBuilt.mjs --force   build everything now (`npm run build`, `prepare`)
 *   node scripts/ensureBuilt.mjs --start   build whatever is stale, then run the gateway in this
 *                                          process (`npm start`: one Node start, and signals
 *                                          reach the gateway directly)
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, extname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

/**
 * Every build of the project and what it is made from; paths are relative to the project root,
 * roots are searched recursively. A new build (say a dashboard with its own bundler) is one more row.
 */
const BUILDS = [
  {
    name: 'gateway',
    roots: ['services', 'utils', 'mocks'],
    extensions: ['.ts'],
    files: ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'],
    output: 'dist/services/index.js',
    // Written only after the command succeeds, so a failed or interrupted build stays stale.
    stamp: 'dist/.build-stamp',
    // The first word is a binary from node_modules/.bin.
    command: ['tsc', '-p', 'tsconfig.build.json']
  }
]

/** What --start runs once every build is fresh. */
const ENTRY_POINT = 'dist/services/index.js'

/** Never inputs, wherever they appear under a root. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git'])

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * The newest input under `dir`. Directories count too: deleting or renaming a file changes only
 * its directory's mtime.
 */
function newestUnder (dir, extensions, newest) {
  let found = newer(newest, dir)
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found = newestUnder(path, extensions, found)
    } else if (entry.isFile() && extensions.includes(extname(entry.name))) {
      found = newer(found, path)
    }
  }
  return found
}

function newer (newest, path) {
  const mtimeMs = statSync(path).mtimeMs
  return newest === undefined || mtimeMs > newest.mtimeMs ? { path, mtimeMs } : newest
}

/** Why `build` must run, or undefined when its output is up to date. */
function staleness (build) {
  const stamp = join(root, build.stamp)
  if (!existsSync(stamp)) return 'no build yet'
  if (!existsSync(join(root, build.output))) return `${build.output} is missing`
  let newest
  for (const file of build.files) newest = newer(newest, join(root, file))
  for (const dir of build.roots) newest = newestUnder(join(root, dir), build.extensions, newest)
  if (newest !== undefined && newest.mtimeMs > statSync(stamp).mtimeMs) {
    const shown = relative(root, newest.path) + (statSync(newest.path).isDirectory() ? '/' : '')
    return `${shown} is newer than the last build`
  }
  return undefined
}

/** Runs the build's command; true when it succeeded and the stamp is written. */
function run (build) {
  const stamp = join(root, build.stamp)
  rmSync(stamp, { force: true })
  // The stamp carries the start time: a file saved while the build ran is newer than it.
  const startedAt = new Date()
  const [bin, ...args] = build.command
  // The command's stdout goes to stderr too: under --start, stdout is the gateway's log stream.
  const result = spawnSync(join(root, 'node_modules', '.bin', bin), args, { cwd: root, stdio: ['ignore', 2, 2] })
  if (result.error !== undefined) {
    process.stderr.write(`${build.name}: could not run ${bin} (${result.error.message}); run npm install first\n`)
    return false
  }
  if (result.status !== 0) {
    process.stderr.write(`${build.name}: ${build.command.join(' ')} failed (exit ${String(result.status ?? result.signal)})\n`)
    return false
  }
  mkdirSync(dirname(stamp), { recursive: true })
  writeFileSync(stamp, `${startedAt.toISOString()}\n`)
  utimesSync(stamp, startedAt, startedAt)
  return true
}

function parseFlags () {
  try {
    const { values } = parseArgs({ options: { check: { type: 'boolean' }, force: { type: 'boolean' }, start: { type: 'boolean' } } })
    if (Object.keys(values).length <= 1) return values
  } catch {
    // Unknown flags and stray arguments: the usage line below says what is accepted.
  }
  process.stderr.write('usage: node scripts/ensureBuilt.mjs [--check | --force | --start]\n')
  process.exit(2)
}

const flags = parseFlags()

for (const build of BUILDS) {
  const reason = flags.force === true ? 'as asked (--force)' : staleness(build)
  if (reason === undefined) continue
  if (flags.check === true) {
    process.stderr.write(`${build.name}: stale, ${reason}\n`)
    process.exitCode = 1
    continue
  }
  process.stderr.write(`${build.name}: building, ${reason}\n`)
  if (!run(build)) process.exit(1)
}

if (flags.start === true) await import(pathToFileURL(join(root, ENTRY_POINT)).href)
