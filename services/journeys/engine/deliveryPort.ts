/**
 * What the engine needs from outbound delivery (services/journeys/delivery): one attempt of a call,
 * resolved with how it ended, never rejected.
 */
export interface DeliveryAttempt {
  readonly url: string
  readonly method: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly idempotencyKey: string
  readonly requestId?: string
  readonly signal?: AbortSignal
}

export type AttemptResult =
  | { readonly kind: 'delivered', readonly status: number }
  | { readonly kind: 'retry', readonly reason: string, readonly status?: number, readonly retryAfterMs?: number, readonly message: string }
  | { readonly kind: 'permanent', readonly reason: string, readonly status?: number, readonly message: string }
  | { readonly kind: 'cancelled' }

export type Deliver = (attempt: DeliveryAttempt) => Promise<AttemptResult>
