import { describe, expect, it } from 'vitest'
import * as flows from '../../../../services/journeys/flows/index.js'

describe('services/journeys/flows/index.ts, the interface the engine imports', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(flows).sort()).toEqual([
      'checkWebhookUrl', 'compileFilter', 'compileTemplate', 'defaultRetryPolicy', 'entryPolicies', 'flowLimits', 'parseDuration', 'renderEmail', 'renderTemplate', 'renderValue', 'renderWebhook',
      'resolveWaitUntil', 'retryDelayMs', 'stepTypes', 'validateFlow', 'webhookMethods'
    ])
  })

  it('lists the step types, entry policies and webhook methods a definition may use', () => {
    expect(flows.stepTypes).toEqual(['email', 'webhook', 'wait', 'branch', 'waitForEvent'])
    expect(flows.entryPolicies).toEqual(['once', 'once-per-event', 'always'])
    expect(flows.webhookMethods).toEqual(['POST', 'PUT', 'PATCH', 'DELETE', 'GET'])
  })
})
