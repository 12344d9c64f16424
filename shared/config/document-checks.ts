/* Checks across a loaded document's entries that a schema cannot express; pure, so policy and target schemas can use them. */
import type { FieldIssue } from '../errors';

/**
 * Checks across entries (duplicate names or ids) run on the raw document, so they are reported
 * together with every other problem: a schema refinement only runs once everything else is valid.
 * Must cope with any shape (the raw value is unvalidated) and return issues with document paths.
 */
export type CrossCheck = (raw: unknown) => readonly FieldIssue[];

/**
 * Duplicate keys in a list of entries, ignoring case: `rules[3].name: duplicate ... (also rules[0].name)`.
 * Works on the raw document (see CrossCheck); entries without a string key are skipped.
 */
export function duplicateKeyIssues(
  entries: unknown,
  listPath: string,
  key: string,
  describe: (value: string, firstIndex: number) => string,
): FieldIssue[] {
  if (!Array.isArray(entries)) return [];
  const firstIndex = new Map<string, number>();
  const issues: FieldIssue[] = [];
  entries.forEach((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object') return;
    const value = (entry as Record<string, unknown>)[key];
    if (typeof value !== 'string') return;
    const first = firstIndex.get(value.toLowerCase());
    if (first === undefined) firstIndex.set(value.toLowerCase(), index);
    else issues.push({ path: `${listPath}[${index}].${key}`, message: describe(value, first) });
  });
  return issues;
}
