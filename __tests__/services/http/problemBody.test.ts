import { describe, expect, it } from 'vitest'
import { GatewayError, InvalidFieldError, RetryableError, errorDefinitions } from '../../../services/http/errors.js'
import type { ErrorCode } from '../../../services/http/errors.js'
import { problemBody, toProblem } from '../../../services/http/problem.js'

const codes = Object.keys(errorDefinitions) as ErrorCode[]

describe('problemBody', () => {
  it.each(codes.flatMap((code) => [[code, false], [code, true]] as const))('%s (reports outcome: %s) is the serialised problem, byte for byte', (code, reportsOutcome) => {
    const error = new GatewayError(code, 'detail with "quotes", a \\ and \u2028 and \ud800')
    expect(problemBody(error, 'req-1', reportsOutcome)).toBe(JSON.stringify(toProblem(error, 'req-1', reportsOutcome)))
    // Again, from the parts built the first time.
    expect(problemBody(error, 'req-2', reportsOutcome)).toBe(JSON.stringify(toProblem(error, 'req-2', reportsOutcome)))
  })

  it('carries the detail and request id of each error, not those of the first with its code', () => {
    const first = problemBody(new RetryableError('GW_ERR_BREAKER_OPEN', 'first', 1000), 'a')
    const second = problemBody(new RetryableError('GW_ERR_BREAKER_OPEN', 'second', 1000), 'b')
    expect(JSON.parse(first)).toMatchObject({ detail: 'first', requestId: 'a' })
    expect(JSON.parse(second)).toMatchObject({ detail: 'second', requestId: 'b' })
  })

  it('serialises a field and extensions in full', () => {
    const invalid = new InvalidFieldError('body/name', 'is required')
    expect(problemBody(invalid, 'r', true)).toBe(JSON.stringify(toProblem(invalid, 'r', true)))
    const extended = new GatewayError('GW_ERR_FLOW_INVALID', 'bad flow', { extensions: { errors: [{ code: 'x', path: '/steps' }] } })
    expect(JSON.parse(problemBody(extended, 'r'))).toMatchObject({ code: 'GW_ERR_FLOW_INVALID', errors: [{ code: 'x', path: '/steps' }] })
  })

  it('hides an internal error\'s detail behind its title', () => {
    expect(JSON.parse(problemBody(new GatewayError('GW_ERR_INTERNAL', 'secret'), 'r'))).toMatchObject({ detail: 'Internal error' })
  })
})
