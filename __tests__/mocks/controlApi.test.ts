import { describe, it, expect, afterEach } from 'vitest'
import { readMockConfig } from '../../mocks/mockConfig.js'
import { SettingsError } from '../../utils/settings/readSettings.js'
import { addEvent, call, closeMocks, startMock } from '../helpers/mockEventServiceRequests.js'

afterEach(closeMocks)

function thrownBy (fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('mock event.com: control API', () => {
  it('PUT /__mock/scenario switches the scenario and answers 204', async () => {
    const mock = await startMock()
    const reply = await call(mock, '/__mock/scenario', { method: 'PUT', body: { name: 'throttled', retryAfter: '10' } })
    expect(reply).toMatchObject({ status: 204, body: undefined })
    expect(await call(mock, '/__mock/scenario')).toMatchObject({ status: 200, body: { name: 'throttled', retryAfter: '10' } })
    expect(await call(mock, '/getUsers')).toMatchObject({ status: 429, headers: { 'retry-after': '10' } })
  })

  it.each([
    ['an unknown name', { name: 'flaky' }],
    ['slow without delayMs', { name: 'slow' }],
    ['unavailable without retryAfter', { name: 'unavailable' }],
    ['a Retry-After that is no header value', { name: 'throttled', retryAfter: 'a\nb' }],
    ['no object', 'down']
  ])('PUT /__mock/scenario answers 400 to %s and keeps the scenario', async (_case, body) => {
    const mock = await startMock({ scenario: { name: 'healthy' } })
    const reply = await call(mock, '/__mock/scenario', { method: 'PUT', body })
    expect(reply).toMatchObject({ status: 400, body: { success: false, error: 'Bad Request' } })
    expect(reply.body).toHaveProperty('message')
    expect(mock.service.scenario).toEqual({ name: 'healthy' })
  })

  it('PUT /__mock/scenario answers 400 to a body that is not JSON', async () => {
    const mock = await startMock()
    const reply = await call(mock, '/__mock/scenario', { method: 'PUT', rawBody: 'down' })
    expect(reply).toMatchObject({ status: 400, body: { success: false, error: 'Bad Request' } })
  })

  it('GET /__mock/stats reports the scenario, the addEvent counters and the stored counts', async () => {
    const mock = await startMock()
    for (let n = 1; n <= 7; n += 1) await addEvent(mock, { id: 500 + n, name: 'Counted', userId: 1 })
    expect(await call(mock, '/__mock/stats')).toMatchObject({
      status: 200,
      body: { scenario: { name: 'original' }, addEventCalls: 7, addEventAccepted: 5, users: 3, events: 9, inFlight: 0 }
    })
  })

  it('answers 404 JSON to an unknown control route', async () => {
    const mock = await startMock()
    expect(await call(mock, '/__mock/reboot', { method: 'PUT' })).toMatchObject({ status: 404, body: { success: false, error: 'Not Found' } })
  })

  it('answers 413 to a body over maxBodyBytes', async () => {
    const mock = await startMock({ maxBodyBytes: 64 })
    const reply = await addEvent(mock, { id: 1, name: 'x'.repeat(100), userId: 1 })
    expect(reply).toMatchObject({ status: 413, body: { success: false, error: 'Payload Too Large' } })
    expect(mock.service.state.events).toHaveLength(4)
  })
})

describe('mock event.com: npm run mock configuration', () => {
  it('defaults to 127.0.0.1:4000 and the original scenario', () => {
    expect(readMockConfig({})).toEqual({ host: '127.0.0.1', port: 4000, scenario: { name: 'original' } })
  })

  it('reads scenarios that take a value', () => {
    expect(readMockConfig({ MOCK_SCENARIO: 'slow', MOCK_DELAY_MS: '250', MOCK_PORT: '0' }))
      .toEqual({ host: '127.0.0.1', port: 0, scenario: { name: 'slow', delayMs: 250 } })
    expect(readMockConfig({ MOCK_SCENARIO: 'unavailable', MOCK_RETRY_AFTER: '30', MOCK_HOST: 'localhost' }))
      .toEqual({ host: 'localhost', port: 4000, scenario: { name: 'unavailable', retryAfter: '30' } })
  })

  it.each([
    ['MOCK_PORT', 'eighty', { MOCK_PORT: 'eighty' }],
    ['MOCK_PORT', '70000', { MOCK_PORT: '70000' }],
    ['MOCK_HOST', 'not a host', { MOCK_HOST: 'not a host' }],
    ['MOCK_SCENARIO', 'flaky', { MOCK_SCENARIO: 'flaky' }],
    ['MOCK_DELAY_MS', 'soon', { MOCK_SCENARIO: 'slow', MOCK_DELAY_MS: 'soon' }],
    ['MOCK_DELAY_MS', '5', { MOCK_SCENARIO: 'down', MOCK_DELAY_MS: '5' }],
    ['MOCK_RETRY_AFTER', '5', { MOCK_SCENARIO: 'healthy', MOCK_RETRY_AFTER: '5' }]
  ])('fails fast on %s=%s, naming the variable and the value', (variable, value, env) => {
    const error = thrownBy(() => readMockConfig(env))
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as Error).message).toContain(`${variable}=${JSON.stringify(value)} is invalid: expected`)
  })

  it('fails fast when a scenario needs a value that is unset', () => {
    const error = thrownBy(() => readMockConfig({ MOCK_SCENARIO: 'throttled' }))
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as Error).message).toContain('MOCK_RETRY_AFTER is unset: scenario "throttled" needs')
  })
})
