import { setImmediate as yieldToEventLoop } from 'node:timers/promises'

/** Raised when the text is not a JSON array (of anything); the message says where. */
export class JsonArrayError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'JsonArrayError'
  }
}

export interface JsonArrayStreamOptions {
  /** Longest stretch of parsing between two yields to the event loop, in milliseconds (default 10). */
  readonly sliceMs?: number
}

const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

function isSpace (code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
}

/**
 * Parses a JSON array arriving in chunks, yielding its elements one by one, so a body of a million
 * events is never held as one string nor parsed in one blocking call. Each element's text is found
 * by scanning for its end (tracking strings and nesting) and handed to JSON.parse; parsing pauses for
 * the event loop at least every `sliceMs`, so other requests are served meanwhile.
 */
export async function * parseJsonArray (chunks: AsyncIterable<Uint8Array | string>, options: JsonArrayStreamOptions = {}): AsyncGenerator {
  const sliceMs = options.sliceMs ?? 10
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let sliceStart = performance.now()

  let state: 'before' | 'value' | 'after' | 'done' = 'before'
  let pending = ''
  let depth = 0
  let inString = false
  let escaped = false
  let elementStart = -1
  let sawElement = false

  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    const buffer = pending + text
    // An element split across chunks resumes scanning where the last chunk ended.
    let index = pending.length
    const elements: unknown[] = []
    for (; index < buffer.length; index++) {
      const code = buffer.charCodeAt(index)
      if (state === 'value' && elementStart !== -1) {
        if (inString) {
          if (escaped) escaped = false
          else if (code === BACKSLASH) escaped = true
          else if (code === QUOTE) inString = false
          continue
        }
        if (code === QUOTE) inString = true
        else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++
        else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && depth > 0) depth--
        else if (depth === 0 && (code === COMMA || code === CLOSE_BRACKET)) {
          elements.push(parseElement(buffer.slice(elementStart, index)))
          elementStart = -1
          state = code === COMMA ? 'value' : 'done'
          if (code === COMMA) sawElement = true
        }
        continue
      }
      if (isSpace(code)) continue
      if (state === 'before') {
        if (code !== OPEN_BRACKET) throw new JsonArrayError('expected a JSON array')
        state = 'value'
      } else if (state === 'value') {
        if (code === CLOSE_BRACKET && !sawElement) {
          state = 'done'
          continue
        }
        elementStart = index
        depth = 0
        // Re-read this character as the element's first.
        index--
      } else {
        throw new JsonArrayError(`unexpected text after the array at offset ${index}`)
      }
    }
    pending = elementStart === -1 ? '' : buffer.slice(elementStart)
    if (elementStart !== -1) elementStart = 0

    for (const element of elements) {
      yield element
      if (performance.now() - sliceStart >= sliceMs) {
        await yieldToEventLoop()
        sliceStart = performance.now()
      }
    }
  }
  if (state !== 'done') throw new JsonArrayError('the array ended early')
}

function parseElement (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new JsonArrayError(`invalid element ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`)
  }
}
