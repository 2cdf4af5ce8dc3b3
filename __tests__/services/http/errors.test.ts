import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GatewayError, errorDefinitions, isGatewayError, problemType } from '../../../services/http/errors.js'
import { BreakerOpenError, UpstreamStatusError } from '../../../services/gateway/upstream/upstreamErrors.js'
import type { ErrorCode } from '../../../services/http/errors.js'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
const codes = Object.keys(errorDefinitions) as ErrorCode[]

describe('error codes', () => {
  it.each(codes)('%s is documented in the README error table with its status', (code) => {
    const status = errorDefinitions[code].status
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\` |`))
    expect(row).toBeDefined()
    if (code !== 'GW_ERR_CONFIG_INVALID') expect(row).toContain(`| ${status} |`)
  })

  it('documents no code that does not exist', () => {
    const documented = [...readme.matchAll(/^\| `(GW_ERR_[A-Z_]+)` \|/gm)].map((match) => match[1])
    expect(documented.sort()).toEqual([...codes].sort())
  })

  it('gives every code its own problem type', () => {
    const types = codes.map(problemType)
    expect(new Set(types).size).toBe(codes.length)
    expect(types.every((type) => /^urn:event-gateway:problem:[a-z-]+$/.test(type))).toBe(true)
  })

  it('matches errors by code and class, not by message', () => {
    const open = new BreakerOpenError(1500)
    expect(isGatewayError(open, 'GW_ERR_BREAKER_OPEN')).toBe(true)
    expect(isGatewayError(open, 'GW_ERR_UPSTREAM_STATUS')).toBe(false)
    expect(open.retryAfterMs).toBe(1500)
    expect(open.statusCode).toBe(503)
    const upstream = new UpstreamStatusError(503, 2000)
    expect(upstream).toBeInstanceOf(GatewayError)
    expect(upstream.statusCode).toBe(502)
    expect(upstream.upstreamRetryAfterMs).toBe(2000)
    expect(isGatewayError(new Error('GW_ERR_BREAKER_OPEN'))).toBe(false)
  })
})
