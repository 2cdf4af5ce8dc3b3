import type { DeliveryRequest, DeliveryResult } from '../delivery/index.js'

/**
 * What the engine needs from outbound delivery: one attempt of a call, resolved with how it ended,
 * never rejected. In production it is `Outbound.send`; tests give a fake.
 */
export type Deliver = (attempt: DeliveryRequest) => Promise<DeliveryResult>
export type { DeliveryRequest as DeliveryAttempt, DeliveryResult as AttemptResult }
