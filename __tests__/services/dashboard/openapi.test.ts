import { createConfig, lintFromString } from '@redocly/openapi-core'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildJourneysApp } from '../../helpers/journeysApp.js'
import { startTestEngine } from '../../helpers/testEngine.js'
import type { TestEngine } from '../../helpers/testEngine.js'

interface Operation { readonly operationId?: string, readonly responses: Record<string, unknown> }

describe('the OpenAPI document with journeys and the dashboard', () => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine('pglite', { work: false }) }, 60_000)
  afterAll(async () => { await t.stop() })

  it('documents the analytics, event list and dashboard session routes, and the CSRF refusal on every management route', async () => {
    const { app } = await buildJourneysApp(t, { adminToken: 'openapi-dashboard-admin-token' })
    await app.ready()
    const paths = app.swagger().paths as Record<string, Record<string, Operation>>
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/analytics', '/api/events', '/api/events/{id}', '/dashboard/login', '/dashboard/logout', '/dashboard/session']))
    // The files are not API: they stay out of the document.
    expect(Object.keys(paths).filter((path) => path.startsWith('/dashboard/') && !['/dashboard/login', '/dashboard/logout', '/dashboard/session'].includes(path))).toEqual([])
    expect(Object.keys(paths['/api/analytics']?.get?.responses ?? {})).toEqual(['200', '400', '401', '403', '429', '500', '503'])
    for (const [path, methods] of Object.entries(paths).filter(([path]) => /^\/api\/(flows|runs|events|analytics)/.test(path))) {
      for (const [method, operation] of Object.entries(methods)) expect(Object.keys(operation.responses), `${method} ${path}`).toContain('403')
    }
  })

  it('passes Redocly\'s recommended lint, but for the redirects of logging in and out, which have no 2xx', async () => {
    const { app } = await buildJourneysApp(t, { adminToken: 'openapi-dashboard-admin-token' })
    await app.ready()
    const problems = await lintFromString({ source: JSON.stringify(app.swagger()), absoluteRef: 'openapi.json', config: await createConfig({ extends: ['recommended'] }) })
    const allowed = new Set(['operation-4xx-response', 'info-license-strict'])
    const found = problems.filter((problem) => !allowed.has(problem.ruleId)).map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer ?? ''}`)
    expect(found.sort()).toEqual([
      'operation-2xx-response #/paths/~1dashboard~1login/post/responses',
      'operation-2xx-response #/paths/~1dashboard~1logout/post/responses'
    ])
  })

  it('has route schemas that are valid JSON Schema', async () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile')
    const { app } = await buildJourneysApp(t, { adminToken: 'openapi-dashboard-admin-token' })
    await app.ready()
    const schemas = compile.mock.calls.map(([schema]) => schema as object)
    compile.mockRestore()
    expect(schemas.length).toBeGreaterThanOrEqual(20)
    const checker = new Ajv({ strict: true, strictNumbers: true })
    for (const schema of schemas) expect(checker.validateSchema(schema), `${JSON.stringify(schema)}: ${checker.errorsText()}`).toBe(true)
  })
})
