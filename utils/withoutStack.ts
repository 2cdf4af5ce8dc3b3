/**
 * Builds an error without capturing a stack trace: for expected rejections that can come thousands
 * of times a second (breaker open, bulkhead full, rate limited), where the stack says nothing and
 * capturing it is most of the cost of failing fast.
 */
export function withoutStack<E extends Error> (make: () => E): E {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}
