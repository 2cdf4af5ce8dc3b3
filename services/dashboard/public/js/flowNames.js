/** Flow names by id, for pages that get only a run's flowId (ids made by the engine are UUIDs). */
import { get } from './api.js'

/** How long a list of names is used before an unknown id may fetch it again, in milliseconds. */
const STALE_MS = 10_000

let names = new Map()
let fetchedAt = -Infinity

/** Resolves a function from a flow id to its name (the id itself when the flow is unknown or archived). */
export async function flowNames (ids = []) {
  const unknown = ids.some((id) => !names.has(id))
  if (unknown && Date.now() - fetchedAt > STALE_MS) {
    const flows = await get('/api/flows')
    names = new Map(flows.map((flow) => [flow.id, flow.name]))
    fetchedAt = Date.now()
  }
  return (id) => names.get(id) ?? id
}
