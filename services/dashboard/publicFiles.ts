import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The project's root: the nearest folder above this module holding package.json. The same from
 * the sources (services/dashboard/) and from the build (dist/services/dashboard/), which has none.
 */
export function projectRoot (from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

/** The dashboard's pages, scripts and styles, served as they are from the source tree (there is no build step for them). */
export function defaultPublicDir (): string {
  return join(projectRoot(), 'services', 'dashboard', 'public')
}

export interface VendorFile {
  /** Its name under /dashboard/vendor/. */
  readonly name: string
  /** Its folder. */
  readonly dir: string
}

/** The libraries the pages load, from their packages' own builds (resolved the way Node finds them, wherever npm put them). */
export function vendorFiles (): readonly VendorFile[] {
  const require = createRequire(import.meta.url)
  // Each package's main file lies in the folder of the browser build.
  return [
    { name: 'chart.umd.js', dir: dirname(require.resolve('chart.js')) },
    { name: 'dagre.min.js', dir: dirname(require.resolve('@dagrejs/dagre')) }
  ]
}

/**
 * What the login page needs, served without a session: the page, its script, the styles and the
 * icon. Paths are relative to /dashboard/.
 */
export function isPublicAsset (path: string): boolean {
  return path === 'login.html' || path === 'js/login.js' || path === 'favicon.svg' || (path.startsWith('css/') && !path.includes('..'))
}
