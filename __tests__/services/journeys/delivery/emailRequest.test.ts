import { http, HttpResponse } from 'msw'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HandlerDispatcher } from '../../../../mocks/handlerDispatcher.js'
import { EVENT_SERVICE_ORIGIN } from '../../../../mocks/origin.js'
import { emailRequest } from '../../../../services/journeys/delivery/index.js'
import { testOutbound } from './receiver.js'

const message = { to: 'ada@example.com', subject: 'Welcome', text: 'Hello Ada' }

describe('emailRequest', () => {
  it("builds the provider's POST /emails, keeping the API URL's path", () => {
    expect(emailRequest('https://mail.example/v1/', message)).toStrictEqual({
      url: 'https://mail.example/v1/emails',
      method: 'POST',
      body: '{"to":"ada@example.com","subject":"Welcome","text":"Hello Ada"}'
    })
  })

  it('carries html when given, and extra headers', () => {
    const request = emailRequest('http://127.0.0.1:4100', { ...message, html: '<p>Hello Ada</p>' }, { authorization: 'Bearer key' })
    expect(request).toStrictEqual({
      url: 'http://127.0.0.1:4100/emails',
      method: 'POST',
      headers: { authorization: 'Bearer key' },
      body: '{"to":"ada@example.com","subject":"Welcome","text":"Hello Ada","html":"<p>Hello Ada</p>"}'
    })
  })

  it('is sent as a JSON POST with the step idempotency key', async () => {
    const seen: { body: unknown, key: string | null, type: string | null }[] = []
    const dispatcher = new HandlerDispatcher({
      handlers: [http.post(`${EVENT_SERVICE_ORIGIN}/emails`, async ({ request }) => {
        seen.push({ body: await request.json(), key: request.headers.get('idempotency-key'), type: request.headers.get('content-type') })
        return HttpResponse.json({ id: 'email-1' })
      })]
    })
    onTestFinished(() => dispatcher.destroy())
    const { outbound } = testOutbound({ dispatcher })

    const result = await outbound.send({ ...emailRequest('https://mail.example', message), idempotencyKey: 'run-1:welcome' })
    expect(result).toStrictEqual({ kind: 'delivered', status: 200, body: { id: 'email-1' }, truncated: false })
    expect(seen).toStrictEqual([{ body: message, key: 'run-1:welcome', type: 'application/json' }])
  })
})
