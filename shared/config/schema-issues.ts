import type { z } from 'zod';
import type { FieldIssue } from '../errors';

/** Turns a zod path into the notation people read in files: `rules[2].match.requestMessage`. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

export function zodIssues(error: z.ZodError, root = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), message: issue.message }));
}
