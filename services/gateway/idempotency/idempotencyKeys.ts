/** How long a client should wait before retrying a key that is still in flight or a full registry, in milliseconds. */
export const idempotencyRetryAfterMs = 1000

/** What `begin` decided: send the write with this event id, or answer with the stored response. */
export type Begin<B> =
  /** `uncertain`: an earlier attempt may have reached event.com, so it may already hold this event id. */
  | { readonly kind: 'proceed', readonly eventId: string, readonly uncertain: boolean }
  | { readonly kind: 'replay', readonly status: number, readonly body: B }

/**
 * The Idempotency-Key state machine for writes: new → in-flight → completed (replayed until it
 * expires) or failed (retried with the same event id). `B` is the response body type. Async, so
 * that a shared implementation (Redis) fits the same contract; every implementation passes
 * `idempotencyKeysContract`. Keys are bounded in number and expire a TTL after their last attempt.
 * A shared implementation rejects any call whose state it cannot reach with
 * GW_ERR_SHARED_STATE_UNAVAILABLE (503, retryable, nothing forwarded).
 */
export interface IdempotencyKeys<B = unknown> {
  /** Keys remembered, in flight included. */
  count: () => Promise<number>
  /** Whether a response is stored for `key`, so that a repeat with the same body would be a replay. */
  completed: (key: string) => Promise<boolean>
  /**
   * Starts an attempt for `key`. Rejects with GW_ERR_IDEMPOTENCY_MISMATCH (422) when the key was used
   * with another fingerprint, GW_ERR_IDEMPOTENCY_IN_FLIGHT (409, retryable) while an attempt is running
   * or while an attempt of unknown outcome may still be settling, and GW_ERR_BULKHEAD_FULL (503,
   * retryable) when every remembered key is in flight.
   */
  begin: (key: string, requestFingerprint: string, newEventId: () => string) => Promise<Begin<B>>
  /** The attempt succeeded: stores a copy of the 2xx response to replay until the TTL ends. Ignored when `key` is not in flight. */
  succeed: (key: string, status: number, body: B) => Promise<void>
  /**
   * The attempt failed (not forwarded, rejected, or outcome unknown): the key is free for a retry with
   * the same body, which gets the same event id. `outcomeUnknown` marks that event.com may have stored
   * it; the mark stays for every later attempt, and such a key is never evicted, only expired.
   * Ignored when `key` is not in flight.
   */
  fail: (key: string, outcomeUnknown?: boolean) => Promise<void>
  /**
   * Forgets `key` after an attempt that ended before anything reached event.com because of the
   * request itself (e.g. unknown user), so the client may reuse the key with a corrected body.
   * Acts as `fail` when an earlier attempt may have reached event.com. Ignored when not in flight.
   */
  abandon: (key: string) => Promise<void>
}
