import { describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { buildJourneysApp, sharedEngine } from '../../../helpers/journeysApp.js'

type Paths = Record<string, Record<string, { operationId?: string, responses: Record<string, { headers?: Record<string, unknown> }> }>>

describe.each(backends.slice(0, 1))('the OpenAPI document with journeys on (%s)', (backend) => {
  const engine = sharedEngine(backend)

  // Redocly's lint of the whole document, journeys and dashboard routes included, is in dashboard/openapi.test.ts.
  it('describes every journeys route', async () => {
    const { app } = await buildJourneysApp(engine(), { config: { http: { adminToken: 'openapi-lint-admin-token' } } })
    await app.ready()
    expect(Object.keys(app.swagger().paths ?? {})).toEqual(expect.arrayContaining(['/api/trigger-event', '/api/flows', '/api/flows/{id}', '/api/runs', '/api/runs/{id}/retry', '/api/events/{id}', '/api/events', '/api/analytics']))
  })

  it('describes the headers the journeys routes send', async () => {
    const { app } = await buildJourneysApp(engine(), { config: { http: { adminToken: 'openapi-lint-admin-token' } } })
    await app.ready()
    const paths = app.swagger().paths as Paths
    const headers = (path: string, method: string, status: string): string[] => Object.keys(paths[path]?.[method]?.responses[status]?.headers ?? {})
    expect(headers('/api/trigger-event', 'post', '200')).toEqual(expect.arrayContaining(['idempotent-replayed', 'ratelimit']))
    expect(headers('/api/trigger-event', 'post', '503')).toContain('retry-after')
    expect(headers('/api/trigger-event', 'post', '429')).toContain('retry-after')
    expect(headers('/api/runs', 'get', '200')).toContain('link')
    expect(headers('/api/flows', 'get', '401')).toContain('www-authenticate')
    for (const [path, status] of [['/api/flows', '413'], ['/api/flows/validate', '413'], ['/api/flows/{id}', '413'], ['/api/trigger-event', '409'], ['/api/trigger-event', '413'], ['/api/trigger-event', '415']] as const) {
      const method = path === '/api/flows/{id}' ? 'put' : 'post'
      expect(paths[path]?.[method]?.responses[status], `${method} ${path} ${status}`).toBeDefined()
    }
  })
})
