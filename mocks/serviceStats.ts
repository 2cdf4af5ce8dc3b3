/** Counters a test or a demo reads to see what reached event.com. */
export interface EventServiceStats {
  /** Valid `POST /addEvent` calls that reached the route (faulted and 400 calls are not counted). */
  addEventCalls: number
  /** addEvent calls answered 200 and stored. */
  addEventAccepted: number
}

export function createServiceStats (): EventServiceStats {
  return { addEventCalls: 0, addEventAccepted: 0 }
}
