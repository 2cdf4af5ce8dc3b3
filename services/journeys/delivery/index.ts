/**
 * Outbound delivery for journeys: the only door the engine uses to reach email providers and
 * webhooks, and the destination checks flow validation shares.
 */
export { createOutbound } from './outbound.js'
export type { Outbound, OutboundCall, OutboundOptions } from './outbound.js'
export type { DeliveryBreakerSettings } from './originBreakers.js'
export { DELIVERY_METHODS } from './deliveryRequest.js'
export type { DeliveryMethod, DeliveryRequest, DeliveryTarget } from './deliveryRequest.js'
export type { Cancelled, Delivered, DeliveryResult, Permanent, PermanentReason, Retry, RetryReason } from './deliveryResult.js'
export { allowListEntryProblem, destinationRefusal, isAllowedHost, isRefusedAddress, isRefusedHost } from './destinationPolicy.js'
export { emailRequest } from './emailRequest.js'
export type { EmailMessage } from './emailRequest.js'
export type { Lookup } from './guardedLookup.js'
export type { TimeoutSignal } from './callSignal.js'
export type { BreakerSnapshot, BreakerTransition } from '../../../utils/breaker/circuitBreaker.js'
