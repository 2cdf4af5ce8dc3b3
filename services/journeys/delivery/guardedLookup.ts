import { lookup as dnsLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { isRefusedAddress } from './destinationPolicy.js'
import { RefusedDestinationError } from './refusedDestination.js'

/** How sockets resolve hostnames; `dns.lookup` unless a test injects its own. */
export type Lookup = LookupFunction

/**
 * A `lookup` for the connector that fails the connection when a hostname resolves to a refused
 * address, so a flow cannot reach the metadata service through a name that points at it. Checked
 * after resolution, on every connection: a name that changes its answer (DNS rebinding) is caught
 * too. One refused address among several refuses the name.
 */
export function guardedLookup (lookup: Lookup = dnsLookup): Lookup {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error !== null) {
        callback(error, address, family)
        return
      }
      const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address)
      const refused = addresses.find(isRefusedAddress)
      if (refused === undefined) callback(null, address, family)
      else callback(new RefusedDestinationError(hostname, refused), '')
    })
  }
}
