import type { FieldReader } from './fieldReader.js'
import type { RetryPolicy } from './flowDefinition.js'
import { defaultRetryPolicy, retryLimits } from './retryDelay.js'

/** An email's or webhook's `retry`, with the defaults for what it leaves out. */
export function readRetry (step: FieldReader): RetryPolicy | undefined {
  const retry = step.child('retry')
  if (retry === undefined) return step.has('retry') ? undefined : defaultRetryPolicy
  retry.keys(['attempts', 'baseMs', 'maxMs'], [])
  const attempts = retry.integer('attempts', retryLimits.attempts.min, retryLimits.attempts.max) ?? defaultRetryPolicy.attempts
  const baseMs = retry.integer('baseMs', retryLimits.baseMs.min, retryLimits.baseMs.max) ?? defaultRetryPolicy.baseMs
  const maxMs = retry.integer('maxMs', retryLimits.baseMs.min, retryLimits.maxMs.max) ?? defaultRetryPolicy.maxMs
  if (maxMs < baseMs) retry.fail(retry.has('maxMs') ? 'maxMs' : 'baseMs', `maxMs (${maxMs}) is at least baseMs (${baseMs})`)
  return retry.failed ? undefined : { attempts, baseMs, maxMs }
}
