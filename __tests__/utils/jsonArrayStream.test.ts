import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { JsonArrayError, parseJsonArray } from '../../utils/jsonArrayStream.js'

async function * chunksOf (text: string, sizes: number[]): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text)
  let offset = 0
  let turn = 0
  while (offset < bytes.length) {
    const size = Math.max(1, sizes[turn++ % sizes.length] ?? 1)
    yield await Promise.resolve(bytes.subarray(offset, offset + size))
    offset += size
  }
}

async function collect (text: string, sizes: number[] = [64 * 1024]): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const element of parseJsonArray(chunksOf(text, sizes))) out.push(element)
  return out
}

describe('parseJsonArray', () => {
  it('yields the elements of an array in order', async () => {
    expect(await collect('[{"a":1},{"b":[1,2,{"c":"]"}]},3,"x,y",null,true]')).toEqual([{ a: 1 }, { b: [1, 2, { c: ']' }] }, 3, 'x,y', null, true])
  })

  it('handles an empty array and surrounding whitespace', async () => {
    expect(await collect(' \n[ ]\n ')).toEqual([])
    expect(await collect('[\n {"a": 1} ,\n {"a": 2}\n]')).toEqual([{ a: 1 }, { a: 2 }])
  })

  it('gives the same elements however the bytes are split, multi-byte characters and escapes included', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.jsonValue(), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
      async (values, sizes) => {
        const text = JSON.stringify(values.map((value) => ({ value, text: 'é😀"\\\\]},' })))
        expect(await collect(text, sizes)).toEqual(JSON.parse(text))
      }
    ), { numRuns: 200 })
  })

  it.each([
    ['not an array', '{"a":1}'],
    ['a truncated array', '[{"a":1},{"a"'],
    ['a trailing comma', '[1,]'],
    ['an invalid element', '[{"a":}]'],
    ['text after the array', '[1] 2'],
    ['nothing at all', '']
  ])('rejects %s with JsonArrayError', async (_name, text) => {
    await expect(collect(text, [3])).rejects.toBeInstanceOf(JsonArrayError)
  })

  it('parses a hundred thousand elements in pieces', async () => {
    const text = JSON.stringify(Array.from({ length: 100_000 }, (_, index) => ({ id: String(index), name: 'n' })))
    const out = await collect(text)
    expect(out).toHaveLength(100_000)
    expect(out[99_999]).toEqual({ id: '99999', name: 'n' })
  })
})
