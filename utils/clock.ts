/** Milliseconds since the epoch. Everything that waits or expires reads time through one of these. */
export type Clock = () => number

export const systemClock: Clock = Date.now

/** A source of uniform numbers in [0, 1), replaceable so jitter is reproducible in tests. */
export type Random = () => number

export const systemRandom: Random = Math.random

/** A clock that only moves when told to: for tests and simulations. */
export interface ManualClock {
  readonly now: Clock
  advance: (ms: number) => void
  set: (ms: number) => void
}

export function createManualClock (start = 0): ManualClock {
  let current = start
  return {
    now: () => current,
    advance (ms) { current += ms },
    set (ms) { current = ms }
  }
}
