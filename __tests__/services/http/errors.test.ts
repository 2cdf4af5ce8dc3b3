import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GatewayError, errorDefinitions, isGatewayError, ownOutcome, problemType, writeOutcome } from '../../../services/http/errors.js'
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

  it.each(codes)('%s shows its own outcome in the README, or none', (code) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\` |`))
    expect(row?.split('|')[3]?.trim()).toBe(ownOutcome(code) ?? '—')
  })

  it('gives an outcome of their own only to the codes of the write and upstream paths', () => {
    const withOutcome = codes.filter((code) => ownOutcome(code) !== undefined)
    expect(withOutcome.sort()).toEqual([
      'GW_ERR_BREAKER_OPEN', 'GW_ERR_BULKHEAD_FULL', 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', 'GW_ERR_IDEMPOTENCY_MISMATCH',
      'GW_ERR_SHARED_STATE_UNAVAILABLE', 'GW_ERR_UPSTREAM_DISCONNECTED', 'GW_ERR_UPSTREAM_INVALID_RESPONSE', 'GW_ERR_UPSTREAM_STATUS', 'GW_ERR_UPSTREAM_TIMEOUT',
      'GW_ERR_UPSTREAM_UNREACHABLE'
    ])
  })

  it('reports on a write route the code\'s own outcome, not-forwarded for the others, outcome-unknown for an internal error', () => {
    expect(writeOutcome('GW_ERR_UPSTREAM_TIMEOUT')).toBe('outcome-unknown')
    expect(writeOutcome('GW_ERR_UPSTREAM_STATUS')).toBe('upstream-failed')
    expect(writeOutcome('GW_ERR_REQUEST_INVALID')).toBe('not-forwarded')
    expect(writeOutcome('GW_ERR_RATE_LIMITED')).toBe('not-forwarded')
    expect(writeOutcome('GW_ERR_INTERNAL')).toBe('outcome-unknown')
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
