import { event, runUntil, unique } from './testEngine.js'
import type { TestEngine } from './testEngine.js'

const barrierEvents = new WeakMap<TestEngine, Promise<string>>()

/** The event that starts the engine's barrier flow: one flow per engine, whose only step waits until `event.properties.until`. */
function barrierEvent (t: TestEngine): Promise<string> {
  let name = barrierEvents.get(t)
  if (name === undefined) {
    const trigger = unique('barrier')
    name = t.engine.createFlow({
      name: 'barrier',
      entry: 'always',
      trigger: { event: trigger, next: ['hold'] },
      steps: [{ id: 'hold', type: 'wait', until: '{{event.properties.until}}' }]
    }).then(() => trigger)
    barrierEvents.set(t, name)
  }
  return name
}

/**
 * Lets `ms` pass on the engine's own queue: a run that waits until then is started, and watched
 * until it completes. Once its timer has fired, every job that was due before it has been taken
 * too, so a test can show that something did not happen (a removed retry or timer) without a
 * sleep of its own.
 */
export async function letTimePass (t: TestEngine, ms: number): Promise<void> {
  const trigger = await barrierEvent(t)
  const user = unique('barrier-user')
  const answer = await t.engine.triggerEvent(event(trigger, user, { properties: { until: new Date(Date.now() + ms).toISOString() } }))
  const runId = answer.runs[0]?.runId
  if (runId === undefined) throw new Error('the barrier flow started no run')
  await runUntil(t.engine, runId, `the barrier run of ${ms} ms completes`, (run) => run.status === 'completed')
}
