/**
 * A deep copy of a read-model document (plain JSON: objects, arrays, primitives). About eight times
 * faster than `structuredClone` on a task document, which a replay otherwise spent a fifth of its time
 * in (issue 8); anything that is not a plain object or array (a Date, a Map) still goes through
 * `structuredClone`.
 */
export function cloneDoc<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneDoc) as T;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneDoc((value as Record<string, unknown>)[key]);
  return out as T;
}
