import { isDeepStrictEqual } from 'node:util'
import { GatewayError } from '../../http/errors.js'
import type { EngineClient } from '../engineClient.js'
import type { TriggerInput } from '../engine/triggers.js'
import { engineCall } from './engineErrors.js'

/**
 * A repeat of an event's id replays the first answer only when it is the same event: same name,
 * user, properties (key order aside), occurrence time and source. Otherwise the client reused an id
 * for another event, and a silent replay would hide that its event was never recorded.
 * The email is not compared: the engine does not report the one it recorded.
 */
export async function checkReplay (engine: EngineClient, input: TriggerInput): Promise<void> {
  const recorded = await engineCall(() => engine.getEvent(input.id))
  const same = recorded.source === input.source &&
    recorded.name === input.name &&
    recorded.userId === input.userId &&
    recorded.occurredAt === input.occurredAt &&
    isDeepStrictEqual(recorded.properties, input.properties)
  if (!same) {
    throw new GatewayError('GW_ERR_EVENT_ID_CONFLICT', `An event with id ${JSON.stringify(input.id)} was already recorded with other content; give a new event a new id`)
  }
}
