import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..');

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  return ['README.md', 'infra/README.md', 'bench/README.md', ...docs].filter((f) =>
    existsSync(join(ROOT, f)),
  );
}

const outsideFences = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '');

/** Text outside fenced code blocks and inline code, where a `[x](y)` is a real link. */
const prose = (text: string): string => outsideFences(text).replace(/`[^`\n]*`/g, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of outsideFences(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = (match[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** `README.md#x`, `docs/a.md#x`, `../docs/a.md#x`, and in docs a sibling's `a.md#x`. */
const DOC_REFERENCE = /((?:\.\.\/)*(?:[\w-]+\/)*[\w.-]+\.md)#([\w-]+)/g;

/** Folders whose files never reach a reader (dependencies, build output, tool state). */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  'coverage',
  '.git',
  '.azure',
  '.local',
  'test-results',
]);
const TEXT_FILE = /\.(ts|mts|js|mjs|md|yaml|yml|json|bicep|bicepparam|html|css|sh)$/;

/** Every text file of the repository that code, samples or docs can print a reference from (this test left out). */
function referencingFiles(dir = ''): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : referencingFiles(path);
    if (!TEXT_FILE.test(entry.name) || entry.name === 'package-lock.json') return [];
    return path === 'test/unit/docs/links.test.ts' ? [] : [path];
  });
}

/** A reference read from its file's folder (a Markdown link), else from the repository root (what code prints). */
function resolveReference(file: string, path: string): string | undefined {
  return [join(ROOT, dirname(file), path), join(ROOT, path)].find(
    (p) => existsSync(p) && statSync(p).isFile(),
  );
}

describe('documentation links', () => {
  it('point at files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of prose(text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z]+:/i.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const resolved = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), decodeURIComponent(path));
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor === undefined || statSync(resolved).isDirectory()) continue;
        if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${file}: ${target} (no heading #${anchor} in ${relative(ROOT, resolved)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README.md#… and docs/….md#… references that code, samples and docs print exist', () => {
    // Code and samples print these as plain text (a narrative line, a YAML comment, a usage text):
    // a reader pastes them, so the heading must exist as GitHub slugs it.
    const broken: string[] = [];
    const found: string[] = [];
    for (const file of referencingFiles()) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(DOC_REFERENCE)) {
        const [, path = '', anchor = ''] = match;
        const resolved = resolveReference(file, path);
        found.push(`${file}: ${path}#${anchor}`);
        if (resolved === undefined) broken.push(`${file}: ${path}#${anchor} (no such file)`);
        else if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${file}: ${path}#${anchor} (no heading #${anchor} in ${relative(ROOT, resolved)})`);
      }
    }
    expect(broken).toEqual([]);
    // The scan itself reaches the places that print such references (a broken walk would pass vacuously).
    for (const place of ['scripts/lab/lab.ts', 'scripts/local.ts', 'approval-policy.sample.yaml'])
      expect(found.some((f) => f.startsWith(`${place}:`))).toBe(true);
  });

  it('finds references in plain text as well as in links', () => {
    const refs = [
      ...'see README.md#local-lab, (docs/probe.md#targets-file) and probe.md#probe-tables.'.matchAll(
        DOC_REFERENCE,
      ),
    ].map((m) => `${m[1]}#${m[2]}`);
    expect(refs).toEqual(['README.md#local-lab', 'docs/probe.md#targets-file', 'probe.md#probe-tables']);
  });

  it('computes anchors the way GitHub does', () => {
    expect([
      ...anchors('# Local host (`npm run local`)\n## A/B test\n## A/B test\n```\n# not a heading\n```'),
    ]).toEqual(['local-host-npm-run-local', 'ab-test', 'ab-test-1']);
  });
});
