import type { Clock } from '../utils/clock.js'
import { ExpiringLru } from '../utils/expiringLru.js'
import { BoundedList, KeyCounts } from './boundedRecords.js'
import type { DeliveryScenario } from './deliveryScenario.js'
import type { EmailMessage } from './emailBody.js'

/** One accepted message: one send, however many requests carried it. */
export interface SentEmail extends EmailMessage {
  /** The id the provider answered with. */
  readonly id: string
  readonly idempotencyKey?: string
  /** The request's `x-request-id`. */
  readonly requestId?: string
  /** Epoch ms, from the provider's clock. */
  readonly receivedAt: number
}

/** One request that reached the provider, whatever answered it: a fault, a replay, a refusal or a send. */
export interface EmailRequest {
  readonly method: string
  /** Path and query under the provider's origin, e.g. `/emails`. */
  readonly path: string
  readonly idempotencyKey?: string
  readonly requestId?: string
  readonly receivedAt: number
  /** The scenario that answered it. */
  readonly scenario: DeliveryScenario
}

/** What the provider saw of one Idempotency-Key. */
export interface EmailKeyCount {
  /** Requests that carried it, faulted ones included. */
  requests: number
  /** `requests - 1`: how often it came again. */
  repeats: number
  /** Messages accepted under it: 1 for one logical send (more only once the key has expired). */
  sends: number
  /** Repeats with the same body, answered with the first response. */
  replays: number
  /** Repeats with another body, refused with 409. */
  conflicts: number
}

/** What the provider received, as `GET /__mock/email/received` shows it; a copy. */
export interface EmailReceived {
  readonly sent: readonly SentEmail[]
  readonly requests: readonly EmailRequest[]
  /** By Idempotency-Key, in the order the keys first came. */
  readonly keys: Readonly<Record<string, EmailKeyCount>>
  /** Entries let go to stay within `maxRecords`, per record. */
  readonly dropped: { readonly sent: number, readonly requests: number, readonly keys: number }
}

/** The first send under a key, which its repeats answer again. */
export interface FirstSend {
  /** The canonical JSON of the body it was sent with. */
  readonly fingerprint: string
  readonly id: string
}

export interface EmailRecords {
  readonly sent: BoundedList<SentEmail>
  readonly requests: BoundedList<EmailRequest>
  readonly keys: KeyCounts<EmailKeyCount>
  readonly firstSends: ExpiringLru<FirstSend>
}

export function createEmailRecords (maxRecords: number, idempotencyTtlMs: number, clock: Clock): EmailRecords {
  return {
    sent: new BoundedList(maxRecords),
    requests: new BoundedList(maxRecords),
    keys: new KeyCounts(maxRecords, () => ({ requests: 0, repeats: 0, sends: 0, replays: 0, conflicts: 0 })),
    firstSends: new ExpiringLru({ maxEntries: maxRecords, ttlMs: idempotencyTtlMs, clock })
  }
}

export function emailReceived (records: EmailRecords): EmailReceived {
  return {
    sent: [...records.sent.items],
    requests: [...records.requests.items],
    keys: records.keys.snapshot(),
    dropped: { sent: records.sent.dropped, requests: records.requests.dropped, keys: records.keys.dropped }
  }
}
