/**
 * Freezes a loaded mapping structure all the way down (objects, arrays, Map values), so stages can share it as a
 * value. Regular expressions stay usable (`lastIndex` must change).
 * @returns The same value, frozen.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof RegExp)) {
    if (value instanceof Map) for (const v of value.values()) deepFreeze(v);
    else for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
