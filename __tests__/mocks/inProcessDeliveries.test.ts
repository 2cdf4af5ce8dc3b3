import { http, HttpResponse } from 'msw'
import { errors } from 'undici'
import { describe, expect, it } from 'vitest'
import type { DispatchedRequest } from '../../mocks/handlerDispatcher.js'
import { EMAIL_PROVIDER_ORIGIN, WEBHOOK_RECEIVER_ORIGIN } from '../../mocks/origin.js'
import { anyOrigin, call, inProcessEmail, inProcessWebhooks, message, sendEmail, untilTrue } from '../helpers/deliveryRequests.js'
import { rejectionOf } from '../helpers/rejectionOf.js'

describe('the handler dispatcher over the email provider and the webhook receiver', () => {
  it("rewrites every request to the model's origin, whatever the caller dispatched to, and tells onRequest", async () => {
    const dispatched: DispatchedRequest[] = []
    const { dispatcher, provider } = inProcessEmail({ onRequest: (request) => { dispatched.push(request) } })
    for (const origin of [anyOrigin, 'https://api.resend.com', EMAIL_PROVIDER_ORIGIN]) {
      expect((await call(`${origin}/emails`, { method: 'POST', body: message, dispatcher })).status).toBe(200)
    }
    expect(provider.received().sent).toHaveLength(3)
    expect(dispatched.map((request) => request.path)).toEqual(['/emails', '/emails', '/emails'])
  })

  it("puts use() handlers in front of the model: a once fault answers one request, which the model never sees", async () => {
    const { dispatcher, provider } = inProcessEmail()
    dispatcher.use(http.post(`${EMAIL_PROVIDER_ORIGIN}/emails`, () => HttpResponse.json({ statusCode: 502, name: 'bad_gateway', message: 'x' }, { status: 502 }), { once: true }))
    expect((await sendEmail(dispatcher, message)).status).toBe(502)
    expect((await sendEmail(dispatcher, message)).status).toBe(200)
    expect(provider.received().requests).toHaveLength(1)
  })

  it('refuses connections when told to, as a closed port does, before the model records anything', async () => {
    const { dispatcher, receiver } = inProcessWebhooks()
    dispatcher.refuseConnections(1)
    const refused = await rejectionOf(call(`${anyOrigin}/hooks/a`, { method: 'POST', body: {}, dispatcher }))
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', message: `connect ECONNREFUSED ${new URL(WEBHOOK_RECEIVER_ORIGIN).host}` })
    expect(receiver.received().requests).toEqual([])
    expect((await call(`${anyOrigin}/hooks/a`, { method: 'POST', body: {}, dispatcher })).status).toBe(200)
  })

  it('destroy() ends a hanging webhook with ClientDestroyedError', async () => {
    const { dispatcher, receiver } = inProcessWebhooks({ scenario: { name: 'hanging' } })
    const hanging = call(`${anyOrigin}/hooks/a`, { method: 'POST', body: {}, dispatcher })
    await untilTrue(() => receiver.received().requests.length === 1)
    await dispatcher.destroy()
    expect(await rejectionOf(hanging)).toBeInstanceOf(errors.ClientDestroyedError)
  })
})
