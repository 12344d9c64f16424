import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AppError, type ErrorCode, type FieldIssue, formatIssues } from '../errors';
import { type CrossCheck, duplicateKeyIssues } from './document-checks';
import { zodIssues } from './schema-issues';

export type { CrossCheck };
export { duplicateKeyIssues };

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

/** More aliases than any hand-written document needs; beyond it `yaml` refuses (a "billion laughs" bomb). */
const MAX_ALIAS_COUNT = 50;

/**
 * Parses YAML or JSON text (JSON is YAML) and validates it with a schema. Throws one AppError with
 * every problem and its path in the document, e.g. `rules[2].match.requestMessage: invalid regular expression`.
 * Nothing else escapes: whatever the parser or a schema step throws becomes a problem in that list.
 */
export function parseDocumentText<T>(
  text: string,
  schema: z.ZodType<T>,
  origin: string,
  code: ErrorCode,
  crossCheck?: CrossCheck,
): T {
  return parseDocumentValue(readDocumentText(text, origin, code), schema, origin, code, crossCheck);
}

/** parseDocumentText for a value already read from its text (readDocumentText): the same checks and errors. */
export function parseDocumentValue<T>(
  raw: unknown,
  schema: z.ZodType<T>,
  origin: string,
  code: ErrorCode,
  crossCheck?: CrossCheck,
): T {
  try {
    return validateOrThrow(raw, schema, origin, code, crossCheck);
  } catch (error) {
    throw asDocumentError(error, origin, code);
  }
}

/**
 * The raw value of YAML or JSON text, not yet validated: for checks that must run before the schema
 * (a request's policy draft is held to limits before any of its patterns is compiled). Throws the
 * same AppError as parseDocumentText for text that is not YAML.
 */
export function readDocumentText(text: string, origin: string, code: ErrorCode): unknown {
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const issues: FieldIssue[] = doc.errors.map((e) => ({
        path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)',
        message: e.message.split('\n')[0] ?? 'invalid YAML/JSON',
      }));
      throw new AppError(code, `${origin} is not valid YAML or JSON:\n${formatIssues(issues)}`, { issues });
    }
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw asDocumentError(error, origin, code);
  }
}

function asDocumentError(error: unknown, origin: string, code: ErrorCode): AppError {
  if (error instanceof AppError) return error;
  // The message of yaml's own exceptions is safe and useful (e.g. the alias limit); others are not ours to show.
  const message =
    error instanceof Error && /alias/i.test(error.message)
      ? `too many alias uses (at most ${MAX_ALIAS_COUNT}); write the values out`
      : 'the document could not be read';
  const issues: FieldIssue[] = [{ path: '(document)', message }];
  return new AppError(code, `${origin} has 1 problem(s):\n${formatIssues(issues)}`, {
    issues,
    cause: error,
  });
}

function validateOrThrow<T>(
  raw: unknown,
  schema: z.ZodType<T>,
  origin: string,
  code: ErrorCode,
  crossCheck: CrossCheck | undefined,
): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = withoutRepeats([...zodIssues(result.error), ...(crossCheck?.(raw) ?? [])]);
    throw new AppError(code, `${origin} has ${issues.length} problem(s):\n${formatIssues(issues)}`, {
      issues,
    });
  }
  return result.data;
}

function withoutRepeats(issues: readonly FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Loads a document from a file (relative paths resolve against `baseDir`) or from inline text in an app setting. */
export async function loadDocument<T>(
  source: DocumentSource,
  schema: z.ZodType<T>,
  options: {
    readonly settingName: string;
    readonly baseDir: string;
    readonly code: ErrorCode;
    readonly crossCheck?: CrossCheck;
  },
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
  return { value: parseDocumentText(text, schema, origin, options.code, options.crossCheck), text, origin };
}
