import { BoundedList, KeyCounts } from './boundedRecords.js'
import type { DeliveryScenario } from './deliveryScenario.js'

/** One request that reached the receiver, whatever answered it. */
export interface ReceivedWebhook {
  readonly method: string
  /** Path and query under the receiver's origin, e.g. `/hooks/signup?v=1`. */
  readonly path: string
  /** Every header sent (`idempotency-key`, `content-type`, `x-request-id`…), names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text; empty when there is none. */
  readonly text: string
  /** The body parsed, present when it is JSON. */
  readonly json?: unknown
  /** Epoch ms, from the receiver's clock. */
  readonly receivedAt: number
  /** The scenario that answered it. */
  readonly scenario: DeliveryScenario
}

/** What the receiver saw of one Idempotency-Key: it reports repeats, it does not deduplicate them. */
export interface WebhookKeyCount {
  /** Requests that carried it, faulted ones included. */
  requests: number
  /** `requests - 1`: how often it came again. */
  repeats: number
}

/** What the receiver received, as `GET /__mock/webhooks/received` shows it; a copy. */
export interface WebhooksReceived {
  readonly requests: readonly ReceivedWebhook[]
  /** By Idempotency-Key, in the order the keys first came. */
  readonly keys: Readonly<Record<string, WebhookKeyCount>>
  /** Entries let go to stay within `maxRecords`, per record. */
  readonly dropped: { readonly requests: number, readonly keys: number }
}

export interface WebhookRecords {
  readonly requests: BoundedList<ReceivedWebhook>
  readonly keys: KeyCounts<WebhookKeyCount>
}

export function createWebhookRecords (maxRecords: number): WebhookRecords {
  return {
    requests: new BoundedList(maxRecords),
    keys: new KeyCounts(maxRecords, () => ({ requests: 0, repeats: 0 }))
  }
}

export function webhooksReceived (records: WebhookRecords): WebhooksReceived {
  return {
    requests: [...records.requests.items],
    keys: records.keys.snapshot(),
    dropped: { requests: records.requests.dropped, keys: records.keys.dropped }
  }
}
