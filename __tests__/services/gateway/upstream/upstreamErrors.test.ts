import { describe, expect, it } from 'vitest'
import { BreakerOpenError, BulkheadRejection, asWriteRejection } from '../../../../services/gateway/upstream/upstreamErrors.js'
import { BreakerRejection } from '../../../../utils/breaker/circuitBreaker.js'
import { BulkheadFullError } from '../../../../utils/bulkhead.js'

describe('asWriteRejection', () => {
  it.each(['open', 'half-open', 'forced-open'] as const)('turns a breaker rejection (%s) into a 503 breaker-open problem, not forwarded, keeping the wait and the reason', (reason) => {
    const mapped = asWriteRejection(new BreakerRejection(2500, reason))
    expect(mapped).toBeInstanceOf(BreakerOpenError)
    expect(mapped).toMatchObject({ code: 'GW_ERR_BREAKER_OPEN', statusCode: 503, outcome: 'not-forwarded', retryAfterMs: 2500, reason })
  })

  it('turns a full bulkhead into a 503 bulkhead-full problem, not forwarded, keeping the wait', () => {
    const mapped = asWriteRejection(new BulkheadFullError(1000))
    expect(mapped).toBeInstanceOf(BulkheadRejection)
    expect(mapped).toMatchObject({ code: 'GW_ERR_BULKHEAD_FULL', statusCode: 503, outcome: 'not-forwarded', retryAfterMs: 1000 })
  })

  it('leaves every other error as it is', () => {
    const error = new Error('socket hang up')
    expect(asWriteRejection(error)).toBe(error)
  })
})
