/** The original event.com accepts this many addEvent calls in a row… */
export const ORIGINAL_ACCEPTED_RUN = 5
/** …then fails this many, and repeats. */
export const ORIGINAL_FAILED_RUN = 10

/** Whether the original service accepts its `call`-th addEvent (1-based). */
export function originalAcceptsAddEvent (call: number): boolean {
  return (call - 1) % (ORIGINAL_ACCEPTED_RUN + ORIGINAL_FAILED_RUN) < ORIGINAL_ACCEPTED_RUN
}
