import { describe, it, expect } from 'vitest'
import { coalescedCall } from '../../utils/coalescedCall.js'

/** A run the test answers when it likes, numbered in the order runs started. */
function controlledRuns (): { run: () => Promise<number>, started: number, finish: (value?: 'reject') => void } {
  const pending: { resolve: (value: number) => void, reject: (error: Error) => void, number: number }[] = []
  const state = {
    started: 0,
    run: () => new Promise<number>((resolve, reject) => { pending.push({ resolve, reject, number: ++state.started }) }),
    finish: (value?: 'reject') => {
      const next = pending.shift()
      if (next === undefined) throw new Error('no run in flight')
      if (value === 'reject') next.reject(new Error('run failed'))
      else next.resolve(next.number)
    }
  }
  return state
}

const tick = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve) })

describe('coalescedCall', () => {
  it('answers a call with a run that started after it, with one run in flight and one queued at most', async () => {
    const runs = controlledRuns()
    const call = coalescedCall(runs.run)
    const first = call()
    await tick()
    expect(runs.started).toBe(1)

    // Arrived while run 1 was in flight: run 1 may predate them, so they wait for run 2.
    const later = Array.from({ length: 100 }, () => call())
    await tick()
    expect(runs.started).toBe(1)
    runs.finish()
    expect(await first).toBe(1)
    await tick()
    expect(runs.started).toBe(2)
    const duringSecond = call()
    runs.finish()
    expect(await Promise.all(later)).toEqual(Array.from({ length: 100 }, () => 2))
    await tick()
    expect(runs.started).toBe(3)
    runs.finish()
    expect(await duringSecond).toBe(3)
  })

  it('starts a new run for a call made once nothing is in flight', async () => {
    const runs = controlledRuns()
    const call = coalescedCall(runs.run)
    const first = call()
    await tick()
    runs.finish()
    expect(await first).toBe(1)
    const second = call()
    await tick()
    expect(runs.started).toBe(2)
    runs.finish()
    expect(await second).toBe(2)
  })

  it('passes a failed run\'s rejection to its callers and runs the queued one all the same', async () => {
    const runs = controlledRuns()
    const call = coalescedCall(runs.run)
    const first = call()
    await tick()
    const queued = call()
    runs.finish('reject')
    await expect(first).rejects.toThrow('run failed')
    await tick()
    runs.finish()
    expect(await queued).toBe(2)
  })
})
