/*
 * Column values as Table Storage stores and returns them: it has no null (an absent property is
 * the null), whole numbers would become Int32 without an explicit type, and DateTime columns come
 * back as Date objects or ISO strings depending on the reader.
 */

/** Explicit Edm.Double, so a whole number of milliseconds does not turn a column into Int32 for Power BI. */
export function double(value: number): { value: number; type: 'Double' } {
  return { value, type: 'Double' };
}

/** Drops undefined and null properties. */
export function compact<T extends Record<string, unknown>>(entity: T): T {
  return Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** A DateTime column as read back (a Date with type conversion on), or an ISO string; else null. */
export function asDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }
  return null;
}

export function asIso(value: unknown): string | null {
  return asDate(value)?.toISOString() ?? null;
}
