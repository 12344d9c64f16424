import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AppError, type ErrorCode, type FieldIssue, formatIssues } from '../errors';
import { zodIssues } from './schema-issues';

export type DocumentSource =
  | { readonly kind: 'inline'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string };

export interface LoadedDocument<T> {
  readonly value: T;
  /** The text the value was parsed from, so callers can hash it (policy version) or show it. */
  readonly text: string;
  /** Where it came from, for messages: a file path or the name of the app setting. */
  readonly origin: string;
}

/**
 * Parses YAML or JSON text (JSON is YAML) and validates it with a schema. Throws one AppError with
 * every problem and its path in the document, e.g. `rules[2].match.requestMessage: invalid regular expression`.
 */
export function parseDocumentText<T>(text: string, schema: z.ZodType<T>, origin: string, code: ErrorCode): T {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues: FieldIssue[] = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)',
      message: e.message.split('\n')[0] ?? 'invalid YAML/JSON',
    }));
    throw new AppError(code, `${origin} is not valid YAML or JSON:\n${formatIssues(issues)}`, { issues });
  }
  const result = schema.safeParse(doc.toJS({ maxAliasCount: 50 }));
  if (!result.success) {
    const issues = zodIssues(result.error);
    throw new AppError(code, `${origin} has ${issues.length} problem(s):\n${formatIssues(issues)}`, {
      issues,
    });
  }
  return result.data;
}

/** Loads a document from a file (relative paths resolve against `baseDir`) or from inline text in an app setting. */
export async function loadDocument<T>(
  source: DocumentSource,
  schema: z.ZodType<T>,
  options: { readonly settingName: string; readonly baseDir: string; readonly code: ErrorCode },
): Promise<LoadedDocument<T>> {
  let text: string;
  let origin: string;
  if (source.kind === 'inline') {
    text = source.text;
    origin = `app setting ${options.settingName}`;
  } else {
    const path = isAbsolute(source.path) ? source.path : resolve(options.baseDir, source.path);
    origin = source.path;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'file cannot be read';
      throw new AppError(options.code, `${origin}: ${reason}`, {
        issues: [{ path: origin, message: reason }],
        cause: error,
      });
    }
  }
  return { value: parseDocumentText(text, schema, origin, options.code), text, origin };
}
