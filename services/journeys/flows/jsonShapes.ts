/** A plain object, as JSON.parse makes them: not null, not an array, not a class instance. */
export function isJsonObject (value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Sets a key even when it is `__proto__`, which plain assignment would take as the prototype. */
export function setOwn<T> (target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}
