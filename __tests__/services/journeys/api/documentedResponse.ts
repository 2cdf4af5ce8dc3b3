import { Ajv } from 'ajv'
import type { ValidateFunction } from 'ajv'
import { expect } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

interface DocumentedResponse {
  readonly headers?: Record<string, unknown>
  readonly content?: Record<string, { readonly schema: object }>
}

type Paths = Record<string, Record<string, { readonly responses: Record<string, DocumentedResponse> }>>

const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const ajv = new Ajv({ strict: false, allErrors: true, formats: { 'date-time': dateTime } })
const compiled = new WeakMap<object, ValidateFunction>()
const documents = new WeakMap<FastifyInstance, Paths>()

function pathsOf (app: FastifyInstance): Paths {
  let paths = documents.get(app)
  if (paths === undefined) {
    paths = app.swagger().paths as Paths
    documents.set(app, paths)
  }
  return paths
}

/**
 * Asserts that `response` is what the OpenAPI document promises for `method path`: its status is
 * documented, with the content type the document gives, and the body matches that schema. The
 * document is built from the route schemas, so this checks them too (a serialiser strips what a
 * schema omits, but never adds what it requires).
 */
export function expectDocumented (app: FastifyInstance, method: string, path: string, response: LightMyRequestResponse): void {
  const operation = pathsOf(app)[path]?.[method.toLowerCase()]
  expect(operation, `${method} ${path} is in the OpenAPI document`).toBeDefined()
  const documented = operation?.responses[String(response.statusCode)]
  expect(documented, `${method} ${path} documents ${response.statusCode}`).toBeDefined()
  const content = documented?.content ?? {}
  const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? ''
  expect(Object.keys(content), `${method} ${path} ${response.statusCode} content type`).toContain(type)
  const schema = content[type]?.schema
  if (schema === undefined) return
  let validate = compiled.get(schema)
  if (validate === undefined) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  const valid = validate(response.json())
  expect(validate.errors ?? [], `${method} ${path} ${response.statusCode} body matches its schema`).toEqual([])
  expect(valid).toBe(true)
}
