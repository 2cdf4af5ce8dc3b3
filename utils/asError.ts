/** `value` when it is an Error, otherwise an Error whose message is its text: for what a `catch` caught, which may be anything. */
export function asError (value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}
