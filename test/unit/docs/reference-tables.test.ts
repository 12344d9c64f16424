import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/config';
import { SETTINGS } from '../../../shared/config/settings';
import { settingsTable, TABLE_END, TABLE_START } from './settings-table';

const ROOT = join(__dirname, '..', '..', '..');
const SETTINGS_DOC = join(ROOT, 'docs', 'settings.md');
const DEVELOPMENT_DOC = join(ROOT, 'docs', 'development.md');
const SAMPLE = join(ROOT, 'local.settings.sample.json');

/** Keys the sample may hold besides the product's settings: the Functions runtime's own. */
const RUNTIME_KEYS = ['FUNCTIONS_WORKER_RUNTIME'];

/** Table rows as trimmed cells, so the formatter's column padding does not matter; the separator row is dropped. */
function rows(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

function readmeTable(text: string): string | undefined {
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) return undefined;
  return text.slice(start + TABLE_START.length, end).trim();
}

describe('docs/settings.md settings table', () => {
  it('lists every setting of SETTINGS, and nothing else, as generated', () => {
    let text = readFileSync(SETTINGS_DOC, 'utf8');
    const expected = settingsTable();
    if (process.env.UPDATE_DOCS === '1') {
      const start = text.indexOf(TABLE_START);
      const end = text.indexOf(TABLE_END);
      if (start >= 0 && end > start) {
        text = `${text.slice(0, start + TABLE_START.length)}\n${expected}\n${text.slice(end)}`;
        writeFileSync(SETTINGS_DOC, text);
      }
    }
    const table = readmeTable(text);
    expect(table, `docs/settings.md needs the markers ${TABLE_START} ... ${TABLE_END}`).toBeDefined();
    const names = [...(table ?? '').matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]);
    const missing = SETTINGS.map((s) => s.name).filter((n) => !names.includes(n));
    const stale = names.filter((n) => !SETTINGS.some((s) => s.name === n));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
    expect(
      rows(table ?? ''),
      'docs/settings.md settings table is out of date: UPDATE_DOCS=1 npx vitest run test/unit/docs, then npm run format',
    ).toEqual(rows(expected));
  });
});

describe('docs/development.md scripts table', () => {
  it('lists every package.json script, and nothing else', () => {
    const text = readFileSync(DEVELOPMENT_DOC, 'utf8');
    const start = text.indexOf('<!-- scripts-table:start');
    const end = text.indexOf('<!-- scripts-table:end -->');
    expect(start, 'docs/development.md needs the scripts-table markers').toBeGreaterThanOrEqual(0);
    const listed = [...text.slice(start, end).matchAll(/^\| `npm (?:run )?([\w:-]+)` +\|/gm)].map(
      (m) => m[1],
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const scripts = Object.keys(pkg.scripts);
    expect({
      missing: scripts.filter((s) => !listed.includes(s)),
      stale: listed.filter((s) => s !== undefined && !scripts.includes(s)),
    }).toEqual({ missing: [], stale: [] });
  });
});

describe('local.settings.sample.json', () => {
  const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as {
    IsEncrypted: boolean;
    Values: Record<string, string>;
  };
  const appSettings = SETTINGS.filter((s) => s.side !== 'platform');

  it('has every app setting, and only those, plus the runtime keys', () => {
    const keys = Object.keys(sample.Values);
    const missing = appSettings.map((s) => s.name).filter((n) => !keys.includes(n));
    const stale = keys.filter((k) => !RUNTIME_KEYS.includes(k) && !appSettings.some((s) => s.name === k));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
  });

  it('holds values the app accepts, with local storage and no secrets', () => {
    expect(() => parseConfig(sample.Values)).not.toThrow();
    expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    const text = JSON.stringify(sample);
    expect(text).not.toMatch(/AccountKey=|SharedAccessSignature|sig=|password|secret/i);
  });

  it('uses the documented default wherever one exists, except where the local host provides the value', () => {
    // ARM_ENDPOINT stays empty so the local ARM emulator is used; AUTH_MODE is dev on one machine.
    const localOverrides: Record<string, string> = {
      ARM_ENDPOINT: '',
      AUTH_MODE: 'dev',
      APPROVAL_POLICY_PATH: 'approval-policy.sample.yaml',
      PROBE_TARGETS_PATH: 'probe-targets.sample.yaml',
    };
    for (const spec of appSettings) {
      const value = sample.Values[spec.name];
      const expected = localOverrides[spec.name] ?? ('default' in spec ? spec.default : '');
      if (spec.name === 'AzureWebJobsStorage') continue;
      expect(value, spec.name).toBe(expected);
    }
  });
});
