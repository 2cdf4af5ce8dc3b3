import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Bulkhead, BulkheadFullError } from '../../utils/bulkhead.js'
import { rejectionOf } from '../helpers/rejectionOf.js'

/** A task the test finishes by hand; `started` says whether the bulkhead has called it yet. */
function task (name: string, log: string[]) {
  let finish: (outcome: 'ok' | Error) => void = () => undefined
  const state = { started: false }
  const fn = (): Promise<string> => {
    state.started = true
    log.push(name)
    return new Promise<string>((resolve, reject) => {
      finish = (outcome) => { if (outcome === 'ok') resolve(name); else reject(outcome) }
    })
  }
  return { fn, state, finish: (outcome: 'ok' | Error = 'ok') => { finish(outcome) } }
}

describe('Bulkhead', () => {
  it('starts a call at once while a slot is free', () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 0 })
    const log: string[] = []
    const a = task('a', log)
    void bulkhead.run(a.fn)
    expect(a.state.started).toBe(true)
    expect([bulkhead.active, bulkhead.queued]).toEqual([1, 0])
  })

  it('queues calls beyond maxConcurrent and starts them first come, first served', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 3 })
    const log: string[] = []
    const tasks = ['a', 'b', 'c', 'd'].map((name) => task(name, log))
    const results = tasks.map((t) => bulkhead.run(t.fn))
    expect(log).toEqual(['a'])
    expect([bulkhead.active, bulkhead.queued]).toEqual([1, 3])

    for (const [i, t] of tasks.entries()) {
      t.finish()
      await expect(results[i]).resolves.toBe(log[i])
    }
    expect(log).toEqual(['a', 'b', 'c', 'd'])
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0])
  })

  it('rejects at once, without calling fn, when every slot and queue place is taken', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, retryAfterMs: 2500 })
    const log: string[] = []
    void bulkhead.run(task('a', log).fn)
    void bulkhead.run(task('b', log).fn)
    const c = task('c', log)

    const error = await rejectionOf(bulkhead.run(c.fn))
    expect(error).toBeInstanceOf(BulkheadFullError)
    expect(error).toMatchObject({ retryAfterMs: 2500 })
    expect(c.state.started).toBe(false)
    expect([bulkhead.active, bulkhead.queued]).toEqual([1, 1])
  })

  it('gives BulkheadFullError a Retry-After of 1000 ms by default, and rejects with no queue at all', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 0 })
    void bulkhead.run(task('a', []).fn)
    await expect(rejectionOf(bulkhead.run(task('b', []).fn))).resolves.toMatchObject({ retryAfterMs: 1000 })
  })

  it('frees the slot when fn rejects, and hands the very same error to the caller', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 })
    const log: string[] = []
    const a = task('a', log)
    const b = task('b', log)
    const first = bulkhead.run(a.fn)
    const second = bulkhead.run(b.fn)
    const error = new Error('upstream down')
    a.finish(error)
    await expect(first).rejects.toBe(error)
    expect(log).toEqual(['a', 'b'])
    b.finish()
    await expect(second).resolves.toBe('b')
  })

  it('turns a synchronous throw into a rejection and frees the slot', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 0 })
    const error = new Error('bug')
    await expect(bulkhead.run(() => { throw error })).rejects.toBe(error)
    expect(bulkhead.active).toBe(0)
    await expect(bulkhead.run(() => Promise.resolve('next'))).resolves.toBe('next')
  })

  it('fails fast on invalid options, naming the option', () => {
    const cases = [
      { options: { maxConcurrent: 0, maxQueue: 0 }, option: 'maxConcurrent' },
      { options: { maxConcurrent: 1.5, maxQueue: 0 }, option: 'maxConcurrent' },
      { options: { maxConcurrent: 1, maxQueue: -1 }, option: 'maxQueue' },
      { options: { maxConcurrent: 1, maxQueue: Number.POSITIVE_INFINITY }, option: 'maxQueue' },
      { options: { maxConcurrent: 1, maxQueue: 0, retryAfterMs: Number.NaN }, option: 'retryAfterMs' }
    ]
    for (const { options, option } of cases) {
      let caught: unknown
      try {
        new Bulkhead(options)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(RangeError)
      expect((caught as Error).message).toContain(option)
    }
  })

  it('never exceeds its bounds, starts accepted calls in order, each exactly once, and never starts a refused one', async () => {
    const op = fc.oneof(
      fc.constant({ kind: 'run' as const }),
      fc.record({ kind: fc.constant('finish' as const), index: fc.nat(), fail: fc.boolean() })
    )
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 60 }), async (maxConcurrent, maxQueue, ops) => {
      const bulkhead = new Bulkhead({ maxConcurrent, maxQueue })
      const log: string[] = []
      const accepted: string[] = []
      const running: ReturnType<typeof task>[] = []
      const settled: Promise<unknown>[] = []
      const check = (): void => {
        expect(bulkhead.active).toBeLessThanOrEqual(maxConcurrent)
        expect(bulkhead.queued).toBeLessThanOrEqual(maxQueue)
        // Calls start in the order they were accepted, each once.
        expect(log).toEqual(accepted.slice(0, log.length))
      }
      for (const [n, step] of ops.entries()) {
        if (step.kind === 'run') {
          const t = task(String(n), log)
          const full = bulkhead.active === maxConcurrent && bulkhead.queued === maxQueue
          const result = bulkhead.run(t.fn)
          settled.push(result.catch(() => undefined))
          if (full) {
            await expect(rejectionOf(result)).resolves.toBeInstanceOf(BulkheadFullError)
            expect(t.state.started).toBe(false)
          } else {
            accepted.push(String(n))
            running.push(t)
          }
        } else {
          const started = running.filter((t) => t.state.started)
          const t = started[step.index % Math.max(1, started.length)]
          if (t !== undefined) {
            running.splice(running.indexOf(t), 1)
            t.finish(step.fail ? new Error('failed') : 'ok')
            // Let the settlement free the slot and start the next waiter.
            await new Promise<void>((resolve) => { setImmediate(resolve) })
          }
        }
        check()
      }
      // Drain: everything accepted eventually runs.
      while (running.length > 0) {
        const started = running.filter((t) => t.state.started)
        // Something queued always has something running ahead of it.
        expect(started.length).toBeGreaterThan(0)
        for (const t of started) {
          running.splice(running.indexOf(t), 1)
          t.finish()
        }
        await new Promise<void>((resolve) => { setImmediate(resolve) })
      }
      await Promise.all(settled)
      expect(log).toEqual(accepted)
      expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0])
    }), { numRuns: 200 })
  })
})
