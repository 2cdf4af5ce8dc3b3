import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { buildTestApp } from '../../helpers/testApp.js'

interface MediaType { readonly schema?: unknown }
interface Operation {
  readonly summary?: string
  readonly security?: unknown
  readonly parameters?: readonly { readonly name: string, readonly in: string, readonly schema?: unknown }[]
  readonly requestBody?: { readonly content: Record<string, MediaType> }
  readonly responses: Record<string, { readonly description: string, readonly content?: Record<string, MediaType> }>
}
interface OpenApiDocument {
  readonly openapi: string
  readonly info: { readonly title: string, readonly version: string }
  readonly paths: Record<string, Record<string, Operation>>
  readonly components?: { readonly securitySchemes?: Record<string, unknown> }
}

/** The whole gateway, admin routes included; the docs are read, nothing is called. */
async function buildDocsApp (): Promise<FastifyInstance> {
  const { app } = await buildTestApp({ config: { http: { adminToken: 'docs-test-admin-token' } } })
  return app
}

async function fetchDocument (app: FastifyInstance): Promise<OpenApiDocument> {
  const response = await app.inject('/docs/json')
  expect(response.statusCode).toBe(200)
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
  return response.json<OpenApiDocument>()
}

function operation (document: OpenApiDocument, path: string, method: string): Operation {
  const found = document.paths[path]?.[method]
  if (found === undefined) throw new Error(`the document has no ${method.toUpperCase()} ${path}`)
  return found
}

describe('GET /docs/json', () => {
  it('is an OpenAPI 3.1 document listing every gateway route, and none of the docs routes', async () => {
    const document = await fetchDocument(await buildDocsApp())
    expect(document.openapi).toBe('3.1.0')
    expect(document.info).toMatchObject({ title: 'event-gateway', version: expect.any(String) as unknown })
    expect(Object.keys(document.paths).sort()).toEqual([
      '/addEvent', '/admin/breaker/close', '/admin/breaker/open', '/admin/breaker/reset',
      '/getEvents', '/getEventsByUserId/{id}', '/getUsers', '/health', '/metrics', '/ready'
    ])
    expect(Object.keys(document.paths['/addEvent']!)).toEqual(['post'])
    expect(Object.keys(document.paths['/getUsers']!)).toEqual(['get'])
  })

  it('carries the route schemas: parameters, bodies and responses', async () => {
    const document = await fetchDocument(await buildDocsApp())
    const byUser = operation(document, '/getEventsByUserId/{id}', 'get')
    expect(byUser.parameters).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'id', in: 'path', schema: { type: 'string', minLength: 1, maxLength: 256 } }),
      expect.objectContaining({ name: 'limit', in: 'query' }),
      expect.objectContaining({ name: 'cursor', in: 'query' })
    ]))
    expect(byUser.responses['200']?.content?.['application/json']?.schema).toMatchObject({ type: 'array', items: { required: ['id', 'name', 'userId'] } })

    const addEvent = operation(document, '/addEvent', 'post')
    expect(addEvent.requestBody?.content['application/json']?.schema).toMatchObject({
      type: 'object',
      required: ['name', 'userId'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 256 } }
    })
    // Each status the write can answer, not a generic 4XX/5XX.
    expect(Object.keys(addEvent.responses)).toEqual(['201', '400', '404', '408', '409', '413', '415', '422', '429', '500', '502', '503', '504'])
  })

  it('documents errors as application/problem+json, naming each status\'s codes', async () => {
    const document = await fetchDocument(await buildDocsApp())
    const responses = operation(document, '/addEvent', 'post').responses
    for (const status of ['400', '503']) {
      const problem = responses[status]
      expect(Object.keys(problem?.content ?? {})).toEqual(['application/problem+json'])
      expect(problem?.content?.['application/problem+json']?.schema).toMatchObject({ required: ['type', 'title', 'status', 'detail', 'code', 'outcome', 'requestId'] })
    }
    expect(responses['503']?.description).toContain('GW_ERR_BREAKER_OPEN')
    expect(responses['503']?.description).toContain('GW_ERR_BULKHEAD_FULL')
    // Refused before anything is sent: a key Redis cannot check, a trigger the journeys engine cannot record.
    expect(responses['503']?.description).toContain('GW_ERR_SHARED_STATE_UNAVAILABLE')
    expect(responses['503']?.description).toContain('GW_ERR_JOURNEYS_UNAVAILABLE')
    expect(operation(document, '/getUsers', 'get').responses['503']?.content?.['application/problem+json']?.schema).toMatchObject({ required: ['type', 'title', 'status', 'detail', 'code', 'requestId'] })
    expect(Object.keys(operation(document, '/ready', 'get').responses['503']?.content ?? {})).toEqual(['application/problem+json'])
  })

  it('documents /metrics as text and the admin routes as bearer-protected', async () => {
    const document = await fetchDocument(await buildDocsApp())
    expect(Object.keys(operation(document, '/metrics', 'get').responses['200']?.content ?? {})).toEqual(['text/plain'])
    expect(document.components?.securitySchemes).toEqual({ adminBearer: { type: 'http', scheme: 'bearer' } })
    for (const action of ['open', 'close', 'reset']) {
      const admin = operation(document, `/admin/breaker/${action}`, 'post')
      expect(admin.security).toEqual([{ adminBearer: [] }])
      expect(Object.keys(admin.responses)).toEqual(['200', '401', '429', '500'])
    }
  })

  it('holds only well-formed operations whose schemas compile as JSON Schema 2020-12', async () => {
    const document = await fetchDocument(await buildDocsApp())
    const ajv = new Ajv2020({ strict: false })
    let schemas = 0
    for (const [path, methods] of Object.entries(document.paths)) {
      expect(path).toMatch(/^\/[\w/{}-]*$/)
      for (const [method, op] of Object.entries(methods)) {
        expect(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']).toContain(method)
        for (const name of path.match(/(?<=\{)\w+(?=\})/g) ?? []) {
          expect(op.parameters?.some((parameter) => parameter.in === 'path' && parameter.name === name)).toBe(true)
        }
        const media = [
          ...Object.values(op.requestBody?.content ?? {}),
          ...Object.values(op.responses).flatMap((response) => Object.values(response.content ?? {}))
        ]
        expect(Object.keys(op.responses).length).toBeGreaterThan(0)
        for (const [status, response] of Object.entries(op.responses)) {
          expect(status).toMatch(/^([1-5]XX|[1-5]\d\d|default)$/)
          expect(typeof response.description).toBe('string')
        }
        for (const schema of [...media.map((type) => type.schema), ...(op.parameters ?? []).map((parameter) => parameter.schema)]) {
          expect(schema).toBeTypeOf('object')
          ajv.compile(schema as object)
          schemas++
        }
      }
    }
    expect(schemas).toBeGreaterThan(30)
  })
})

describe('GET /docs', () => {
  it('serves the Swagger UI page', async () => {
    const app = await buildDocsApp()
    const response = await app.inject('/docs')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(response.body).toContain('<title>Swagger UI</title>')
    expect(response.body).toContain('href="/docs/static/swagger-ui.css"')
    const stylesheet = await app.inject('/docs/static/swagger-ui.css')
    expect(stylesheet.statusCode).toBe(200)
    expect(stylesheet.headers['content-type']).toBe('text/css; charset=utf-8')
  })
})
