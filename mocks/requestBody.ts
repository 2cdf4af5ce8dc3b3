import type { IncomingMessage } from 'node:http'

export type RequestBodyResult =
  | { ok: true, body: Buffer }
  | { ok: false, reason: 'too-large' }

/** Buffers a request body, stopping as soon as it exceeds `maxBytes`. Rejects when the client goes away mid-body. */
export async function readRequestBody (req: IncomingMessage, maxBytes: number): Promise<RequestBodyResult> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) return { ok: false, reason: 'too-large' }
    chunks.push(chunk)
  }
  return { ok: true, body: Buffer.concat(chunks, size) }
}

/** A control body read as JSON; `ok: false` when it is absent or not JSON. */
export function parseJsonBody (body: Buffer | undefined): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body?.toString('utf8') ?? '') }
  } catch {
    return { ok: false }
  }
}
