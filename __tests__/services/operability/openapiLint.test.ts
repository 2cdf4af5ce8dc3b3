import { createConfig, lintFromString } from '@redocly/openapi-core'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../helpers/testApp.js'

/**
 * Redocly's recommended ruleset, as it is, but for the warnings allowed here, each with its reason.
 * Anything else it reports fails the test.
 */
const allowedWarnings: Readonly<Record<string, string>> = {
  // /health answers 200 whatever the state of the parts it reports; it has no client error to document.
  'operation-4xx-response': 'the probes answer 200 or 503 and no client error',
  // The package is private ("UNLICENSED"): there is no licence text to link to nor an SPDX identifier for it.
  'info-license-strict': 'a private package has no licence URL or SPDX identifier'
}

describe('the OpenAPI document', () => {
  it('passes Redocly\'s recommended lint with no error, and only the warnings allowed above', async () => {
    const { app } = await buildTestApp({ config: { http: { adminToken: 'openapi-lint-admin-token' } } })
    await app.ready()
    const document = JSON.stringify(app.swagger())
    const problems = await lintFromString({ source: document, absoluteRef: 'openapi.json', config: await createConfig({ extends: ['recommended'] }) })
    const found = problems.map((problem) => ({ rule: problem.ruleId, severity: problem.severity, at: problem.location[0]?.pointer, message: problem.message }))
    expect(found.filter((problem) => problem.severity === 'error')).toEqual([])
    expect(found.filter((problem) => allowedWarnings[problem.rule] === undefined)).toEqual([])
  })

  it('describes every response header the gateway sends', async () => {
    const { app } = await buildTestApp({ config: { http: { adminToken: 'openapi-lint-admin-token' } } })
    await app.ready()
    const paths = app.swagger().paths as Record<string, Record<string, { operationId?: string, responses: Record<string, { headers?: Record<string, unknown> }> }>>
    const headers = (path: string, method: string, status: string): string[] => Object.keys(paths[path]?.[method]?.responses[status]?.headers ?? {})
    expect(headers('/addEvent', 'post', '201')).toEqual(['x-request-id', 'idempotent-replayed', 'ratelimit-policy', 'ratelimit'])
    expect(headers('/addEvent', 'post', '503')).toEqual(['x-request-id', 'retry-after', 'ratelimit-policy', 'ratelimit'])
    expect(headers('/getEvents', 'get', '200')).toEqual(['x-request-id', 'link', 'ratelimit-policy', 'ratelimit', 'read-consistency'])
    expect(headers('/getUsers', 'get', '200')).toEqual(['x-request-id', 'ratelimit-policy', 'ratelimit', 'read-consistency'])
    expect(headers('/admin/breaker/open', 'post', '401')).toEqual(['x-request-id', 'ratelimit-policy', 'ratelimit', 'www-authenticate'])
    const operationIds = Object.values(paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId))
    expect(operationIds.every((id) => typeof id === 'string')).toBe(true)
    expect(new Set(operationIds).size).toBe(operationIds.length)
  })
})
