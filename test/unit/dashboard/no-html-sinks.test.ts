import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dashboard shows consumer text (request messages, endpoint names) and probe body excerpts.
 * It stays inert because every element is built by dashboard/src/dom.ts from text nodes; this
 * guard fails the build when any source file reaches for an API that parses a string as HTML.
 */
const SOURCE_DIR = join(__dirname, '../../../dashboard/src');
const HTML_SINKS =
  /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|srcdoc)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

describe('dashboard: consumer text is only ever a text node', () => {
  it('no source file uses an HTML-parsing sink (comments aside)', () => {
    const files = sourceFiles(SOURCE_DIR);
    expect(files.length).toBeGreaterThan(3);
    const offenders = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line) && HTML_SINKS.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});
