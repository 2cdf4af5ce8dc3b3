import { describe, expect, it } from 'vitest'
import { readMockConfig } from '../../mocks/mockConfig.js'
import { SettingsError } from '../../utils/settings/readSettings.js'

function problemsOf (env: Record<string, string>): readonly string[] {
  try {
    readMockConfig(env)
  } catch (error) {
    if (error instanceof SettingsError) return error.problems
    throw error
  }
  throw new Error('expected a SettingsError')
}

describe('npm run mock: the scenarios of the email provider and the webhook receiver', () => {
  it('leaves them out when unset: both models start healthy', () => {
    const config = readMockConfig({})
    expect(config).not.toHaveProperty('emailScenario')
    expect(config).not.toHaveProperty('webhookScenario')
  })

  it('takes a bare name for a scenario without values, and JSON for one with', () => {
    expect(readMockConfig({ MOCK_EMAIL_SCENARIO: 'down', MOCK_WEBHOOK_SCENARIO: '{"name":"flaky","failures":3,"status":502}' })).toMatchObject({
      scenario: { name: 'original' },
      emailScenario: { name: 'down' },
      webhookScenario: { name: 'flaky', failures: 3, status: 502 }
    })
    expect(readMockConfig({ MOCK_WEBHOOK_SCENARIO: '{"name":"throttled","retryAfter":"7"}' })).toMatchObject({ webhookScenario: { name: 'throttled', retryAfter: '7' } })
  })

  it.each([
    ['MOCK_EMAIL_SCENARIO', 'flaky', 'needs "failures"'],
    ['MOCK_EMAIL_SCENARIO', 'original', 'unknown scenario name'],
    ['MOCK_WEBHOOK_SCENARIO', '{"name":"slow"', 'this is not JSON'],
    ['MOCK_WEBHOOK_SCENARIO', '{"name":"slow","delayMs":-1}', 'needs "delayMs"']
  ])('fails fast on %s=%s, naming the variable, the value and the problem', (variable, value, problem) => {
    const [only, ...others] = problemsOf({ [variable]: value })
    expect(others).toEqual([])
    expect(only).toContain(`${variable}=${JSON.stringify(value)} is invalid: expected`)
    expect(only).toContain(problem)
  })

  it("keeps MOCK_DELAY_MS and MOCK_RETRY_AFTER for event.com's scenario alone", () => {
    expect(problemsOf({ MOCK_EMAIL_SCENARIO: '{"name":"slow","delayMs":5}', MOCK_DELAY_MS: '5' }))
      .toEqual(['MOCK_DELAY_MS="5" is invalid: expected it unset, scenario "original" does not use it'])
  })
})
