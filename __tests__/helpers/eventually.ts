import { setTimeout as pause } from 'node:timers/promises'

/**
 * Polls `probe` until it returns something other than undefined, and resolves with that. For the
 * engine's real queue, which runs in real time: the steps under test use short durations, and the
 * deadline only turns a hang into a readable failure (it is never the thing a test waits for).
 */
export async function eventually<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, withinMs = 15_000, everyMs = 20): Promise<T> {
  const deadline = performance.now() + withinMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error(`gave up after ${withinMs} ms waiting until ${what}`)
    await pause(everyMs)
  }
}
