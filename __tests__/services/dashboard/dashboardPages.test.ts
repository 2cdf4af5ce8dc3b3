import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../../services/dashboard/contentSecurityPolicy.js'
import { defaultPublicDir, projectRoot } from '../../../services/dashboard/publicFiles.js'
import { dashboardFiles, dashboardSuite } from '../../helpers/dashboardFiles.js'
import { buildJourneysApp } from '../../helpers/journeysApp.js'

const require = createRequire(import.meta.url)
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

describe('the dashboard\'s pages', () => {
  const suite = dashboardSuite()

  it('serves the pages, scripts and styles from its folder at /dashboard/, with their types', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    const index = await app.inject('/dashboard/')
    expect(index.statusCode).toBe(200)
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.body).toBe(dashboardFiles['index.html'])
    expect((await app.inject('/dashboard/index.html')).body).toBe(dashboardFiles['index.html'])
    const script = await app.inject('/dashboard/js/app.js')
    expect(script.headers['content-type']).toBe('application/javascript; charset=utf-8')
    expect(script.body).toBe(dashboardFiles['js/app.js'])
    const styles = await app.inject('/dashboard/css/dashboard.css')
    expect(styles.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(styles.headers.etag).toEqual(expect.any(String))
    expect((await app.inject({ url: '/dashboard/css/dashboard.css', headers: { 'if-none-match': styles.headers.etag! } })).statusCode).toBe(304)
  })

  it('sends /dashboard on to /dashboard/', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    const response = await app.inject('/dashboard')
    expect(response.statusCode).toBe(301)
    expect(response.headers.location).toBe('/dashboard/')
  })

  it('serves chart.js and dagre from their packages under /dashboard/vendor/, and nothing else from node_modules', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    const chart = await app.inject('/dashboard/vendor/chart.umd.js')
    expect(chart.statusCode).toBe(200)
    expect(chart.headers['content-type']).toBe('application/javascript; charset=utf-8')
    expect(chart.body).toBe(readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8'))
    const dagre = await app.inject('/dashboard/vendor/dagre.min.js')
    expect(dagre.statusCode).toBe(200)
    expect(dagre.body).toBe(readFileSync(join(repoRoot, 'node_modules/@dagrejs/dagre/dist/dagre.min.js'), 'utf8'))
    for (const url of ['/dashboard/vendor/axe.min.js', '/dashboard/vendor/chart.js', '/dashboard/vendor/../../package.json', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/.secret']) {
      const response = await app.inject(url)
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400)
      expect(response.body, url).not.toContain('never served')
      expect(response.body, url).not.toContain('"name": "event-gateway"')
    }
  })

  it('puts the strict Content Security Policy, nosniff and no-referrer on every answer: pages, files, redirects, errors', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    expect(contentSecurityPolicy).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    for (const url of ['/dashboard/', '/dashboard/js/app.js', '/dashboard/vendor/chart.umd.js', '/dashboard', '/dashboard/missing.html', '/dashboard/session']) {
      const response = await app.inject(url)
      expect(response.headers['content-security-policy'], url).toBe(contentSecurityPolicy)
      expect(response.headers['x-content-type-options'], url).toBe('nosniff')
      expect(response.headers['referrer-policy'], url).toBe('no-referrer')
    }
    const missing = await app.inject('/dashboard/missing.html')
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'GW_ERR_ROUTE_NOT_FOUND' })
    // The API's answers are not the dashboard's: they carry no page policy.
    expect((await app.inject('/api/flows')).headers['content-security-policy']).toBeUndefined()
  })

  it('answers only this machine while ADMIN_TOKEN is unset: another gets a 401 problem, and so does a page rebound to 127.0.0.1 under another name', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    for (const url of ['/dashboard/', '/dashboard/login.html', '/dashboard/vendor/chart.umd.js', '/dashboard/session']) {
      const remote = await app.inject({ url, remoteAddress: '192.168.1.20' })
      expect(remote.statusCode, url).toBe(401)
      expect(remote.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(remote.json()).toMatchObject({ code: 'GW_ERR_ADMIN_UNAUTHORIZED' })
      expect(remote.headers['content-security-policy']).toBe(contentSecurityPolicy)
    }
    const rebound = await app.inject({ url: '/dashboard/', headers: { host: 'attacker.example:3000' } })
    expect(rebound.statusCode).toBe(401)
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000']) {
      expect((await app.inject({ url: '/dashboard/', headers: { host } })).statusCode, host).toBe(200)
    }
    expect((await app.inject({ url: '/dashboard/', remoteAddress: '::1' })).statusCode).toBe(200)
  })

  it('finds its pages under the project\'s root, from the sources and from the compiled build alike', () => {
    expect(projectRoot()).toBe(repoRoot.replace(/\/$/, ''))
    expect(projectRoot(join(repoRoot, 'dist/services/dashboard/publicFiles.js'))).toBe(repoRoot.replace(/\/$/, ''))
    expect(defaultPublicDir()).toBe(join(repoRoot, 'services/dashboard/public'))
  })
})
