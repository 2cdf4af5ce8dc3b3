import { Ajv } from 'ajv'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp } from '../../helpers/testApp.js'

afterEach(() => { vi.restoreAllMocks() })

describe('the route schemas', () => {
  it('are valid JSON Schema, which the validators do not check again at start', async () => {
    // Every schema the app's validators compile while it gets ready: each route's body, query, params and headers.
    const compile = vi.spyOn(Ajv.prototype, 'compile')
    const { app } = await buildTestApp({ config: { http: { adminToken: 'validators-test-admin-token' } } })
    await app.ready()
    const schemas = compile.mock.calls.map(([schema]) => schema as object)
    compile.mockRestore()
    expect(schemas.length).toBeGreaterThanOrEqual(5)

    const checker = new Ajv({ strict: true, strictNumbers: true })
    for (const schema of schemas) {
      expect(checker.validateSchema(schema), `${JSON.stringify(schema)}: ${checker.errorsText()}`).toBe(true)
    }
  })
})
