import secureJson from 'secure-json-parse'
import type { Dispatcher } from 'undici'

export interface ReadBody {
  /** The JSON value when the response says it is JSON and it parses, else the text; undefined when empty. */
  readonly body: unknown
  readonly truncated: boolean
}

/** Reads at most `limitBytes` of a body as UTF-8, then drops the rest (and the connection, when there is more). */
export async function readText (body: Dispatcher.ResponseData['body'], limitBytes: number): Promise<{ text: string, truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = limitBytes - size
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room))
      body.destroy()
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true }
    }
    chunks.push(chunk)
    size += chunk.length
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false }
}

function isJson (contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType
  // application/json, and the +json types (application/problem+json, application/vnd.api+json).
  return value !== undefined && /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(value.trim())
}

/** The body of a 2xx, bounded: a provider's answer (a message id, say) for the run log and later steps. */
export async function readBody (response: Dispatcher.ResponseData, limitBytes: number): Promise<ReadBody> {
  const { text, truncated } = await readText(response.body, limitBytes)
  if (text === '') return { body: undefined, truncated }
  if (truncated || !isJson(response.headers['content-type'])) return { body: text, truncated }
  try {
    // A destination's answer may flow into later steps: no `__proto__` or `constructor.prototype` keys.
    return { body: secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as unknown, truncated }
  } catch {
    // Delivered all the same: an unreadable answer does not undo the send.
    return { body: text, truncated }
  }
}
