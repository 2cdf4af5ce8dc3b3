import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { emailApiUrl, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import { buildJourneysApp, call, createFlow, sharedEngine } from '../../../helpers/journeysApp.js'
import { expectDocumented } from './documentedResponse.js'

// Three failures open a destination's breaker for about 1.5 s (±20 % jitter).
const trippingBreaker = { failureThreshold: 3, windowMs: 30_000, backoffBaseMs: 1500, backoffMaxMs: 1500 }

interface Destination { readonly origin: string, readonly state: string, readonly retryAfterMs?: number }

describe.each(backends)('each outbound destination\'s breaker in /health on %s', (backend) => {
  const engine = sharedEngine(backend, { breaker: trippingBreaker })
  afterEach(() => { engine().webhooks.setScenario({ name: 'healthy' }) })

  it('lists the email provider and each webhook origin with its breaker\'s state; one that fails opens alone, then recovers', async () => {
    const { app } = await buildJourneysApp(engine())
    const destinations = async (): Promise<Destination[]> => {
      const response = await call(app, 'GET', '/health')
      expect(response.statusCode).toBe(200)
      expectDocumented(app, 'GET', '/health', response)
      return response.json<{ journeys: { destinations: Destination[] } }>().journeys.destinations
    }
    const of = (list: readonly Destination[], origin: string): Destination | undefined => list.find((item) => item.origin === origin)
    const name = unique('outbound')
    await createFlow(app, {
      name: 'outbound',
      trigger: { event: name, next: ['mail'] },
      entry: 'always',
      steps: [
        { id: 'mail', type: 'email', to: '{{user.email}}', subject: 'Hi', text: 'Hello', next: ['hook'] },
        { id: 'hook', type: 'webhook', url: `${webhooksUrl}/${name}/{{run.id}}`, retry: { attempts: 10, baseMs: 10, maxMs: 20 } }
      ]
    })
    engine().webhooks.setScenario({ name: 'down' })
    expect((await call(app, 'POST', '/api/trigger-event', { name, userId: unique('user'), email: 'someone@example.com' })).statusCode).toBe(202)

    const open = await eventually('the webhook origin\'s breaker is open', async () => {
      const list = await destinations()
      return of(list, webhooksUrl)?.state === 'open' ? list : undefined
    })
    expect(of(open, webhooksUrl)).toEqual({ origin: webhooksUrl, state: 'open', retryAfterMs: expect.any(Number) as number })
    expect(of(open, webhooksUrl)?.retryAfterMs).toBeLessThanOrEqual(1800)
    expect(of(open, emailApiUrl)).toEqual({ origin: emailApiUrl, state: 'closed' })
    // Each origin once: the engine keeps one breaker per destination.
    expect(new Set(open.map((item) => item.origin)).size).toBe(open.length)

    engine().webhooks.setScenario({ name: 'healthy' })
    const recovered = await eventually('a probe closes the webhook origin\'s breaker', async () => {
      const list = await destinations()
      return of(list, webhooksUrl)?.state === 'closed' ? list : undefined
    })
    expect(of(recovered, webhooksUrl)).toEqual({ origin: webhooksUrl, state: 'closed' })
  })
})
