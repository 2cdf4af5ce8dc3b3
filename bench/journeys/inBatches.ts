/** Calls `work(0…count-1)` with at most `concurrency` calls in flight; rejects with the first failure. */
export async function inBatches<T> (count: number, concurrency: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++
      results[index] = await work(index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane))
  return results
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every `everyMs` until it returns true; false once `limitMs` passed. */
export async function until (check: () => Promise<boolean>, limitMs: number, everyMs = 25): Promise<boolean> {
  const start = performance.now()
  while (performance.now() - start < limitMs) {
    if (await check()) return true
    await sleep(everyMs)
  }
  return false
}
