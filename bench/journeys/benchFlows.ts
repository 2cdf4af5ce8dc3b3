/**
 * The flows the journeys scenario saves, each started by its own event name, so every trigger
 * starts exactly one run. Every webhook goes to the bench's receiver.
 */
export const benchEvents = {
  /** One webhook step at once: steps per second, enqueue-to-start latency, the engine under load. */
  webhook: 'bench.webhook',
  /** A wait until `properties.at`, then a webhook: how late waits fire. */
  wait: 'bench.wait',
  /** A wait of an hour first: the ingest rate of trigger events, without their steps running meanwhile. */
  ingest: 'bench.ingest'
} as const

export function benchFlows (receiverUrl: string): readonly Readonly<Record<string, unknown>>[] {
  const hook = (id: string, next?: string[]): Record<string, unknown> => ({
    id,
    type: 'webhook',
    url: `${receiverUrl}/hooks/${id}`,
    body: { run: '{{run.id}}', user: '{{user.id}}' },
    ...(next !== undefined && { next })
  })
  return [
    { name: 'Bench: one webhook', trigger: { event: benchEvents.webhook, next: ['call'] }, entry: 'always', steps: [hook('call')] },
    {
      name: 'Bench: wait until, then a webhook',
      trigger: { event: benchEvents.wait, next: ['pause'] },
      entry: 'always',
      steps: [{ id: 'pause', type: 'wait', until: '{{event.properties.at}}', next: ['after'] }, hook('after')]
    },
    {
      name: 'Bench: ingest only',
      trigger: { event: benchEvents.ingest, next: ['later'] },
      entry: 'always',
      steps: [{ id: 'later', type: 'wait', duration: 'PT1H', next: ['never'] }, hook('never')]
    }
  ]
}
