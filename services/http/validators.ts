import { Ajv } from 'ajv'
import type { FastifySchemaCompiler } from 'fastify'

/**
 * Two validators: query strings and params arrive as text, so they are coerced to the schema's
 * types; JSON bodies are taken as sent, so `{"userId": true}` or `["1"]` is rejected instead of
 * silently turned into a string. Unknown properties are rejected everywhere, never stripped.
 */
// strictNumbers: "Infinity" and "1e400" coerce to Infinity, which would otherwise pass `integer` and skip min/max.
// validateSchema: the route schemas are the project's own, and a test checks every one against the
// meta-schema (__tests__/services/http/validators.test.ts); checking them again at each start costs ~40 ms of it.
const strictOptions = { removeAdditional: false, useDefaults: true, allErrors: false, strictNumbers: true, validateSchema: false } as const

const bodyAjv = new Ajv({ ...strictOptions, coerceTypes: false })
const textAjv = new Ajv({ ...strictOptions, coerceTypes: true })

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  return (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
}
