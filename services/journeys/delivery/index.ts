/**
 * Outbound delivery for journeys: the only door the engine uses to reach email providers and
 * webhooks, and the destination checks flow validation shares.
 */
export { destinationRefusal, isAllowedHost, isRefusedAddress } from './destinationPolicy.js'
