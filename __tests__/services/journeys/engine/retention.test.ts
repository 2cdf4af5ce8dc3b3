import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

const day = 86_400_000

describe.each(backends)('retention on %s', (backend) => {
  let t: TestEngine
  // The engine's clock, moved forward by the test: retention counts back from it.
  let offset = 0
  beforeAll(async () => { t = await startTestEngine(backend, { clock: () => Date.now() + offset }) }, 60_000)
  afterAll(async () => { await t.stop() })

  it('deletes finished runs and their trigger events past RUN_RETENTION_DAYS, keeps active runs and every once-entry key', async () => {
    const name = unique('retained')
    await t.engine.createFlow({
      name: 'once, then pruned',
      trigger: { event: name, next: ['tell'] },
      entry: 'once',
      steps: [{ id: 'tell', type: 'webhook', url: `${webhooksUrl}/retention/{{user.id}}` }]
    })
    const waiting = unique('waiting')
    await t.engine.createFlow({
      name: 'still waiting',
      trigger: { event: waiting, next: ['long'] },
      steps: [{ id: 'long', type: 'wait', duration: 'P365D' }]
    })
    const user = unique('old')
    const finished = await t.engine.triggerEvent(event(name, user))
    const finishedRun = finished.runs[0]?.runId ?? ''
    await runUntil(t.engine, finishedRun, 'the run completes', ended)
    const active = await t.engine.triggerEvent(event(waiting, user))
    const activeRun = active.runs[0]?.runId ?? ''
    await runUntil(t.engine, activeRun, 'the run waits', (run) => run.status === 'waiting')

    // 29 days on, nothing is old enough.
    offset = 29 * day
    await t.engine.pruneFinished()
    expect((await t.engine.getRun(finishedRun)).status).toBe('completed')
    expect((await t.engine.getEvent(finished.eventId)).id).toBe(finished.eventId)

    offset = 31 * day
    const pruned = await t.engine.pruneFinished()
    expect(pruned.runs).toBeGreaterThanOrEqual(1)
    await expect(t.engine.getRun(finishedRun)).rejects.toMatchObject({ name: 'RunNotFoundError' })
    await expect(t.engine.getEvent(finished.eventId)).rejects.toMatchObject({ name: 'EventNotFoundError' })
    // The active run and the event that started it stay, however old.
    expect((await t.engine.getRun(activeRun)).status).toBe('waiting')
    expect((await t.engine.getEvent(active.eventId)).id).toBe(active.eventId)
    // Once means once, ever: the entry key outlives its run.
    const again = await t.engine.triggerEvent(event(name, user))
    expect(again.runs).toEqual([])
    expect(again.skipped).toEqual([expect.objectContaining({ reason: 'already-entered' })])
  }, 30_000)
})
