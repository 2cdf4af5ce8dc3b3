import { mockSettings } from '../mocks/mockConfig.js'
import { settingsTables } from './config.js'

/** Every table the README documents, by the name of its block there: the gateway's areas, then `npm run mock`. */
export const documentedSettings = { ...settingsTables, mock: mockSettings } as const
