import { SETTINGS, type SettingSpec } from '../../../shared/config/settings';

export const TABLE_START =
  '<!-- settings-table:start (generated from shared/config/settings.ts; UPDATE_DOCS=1 npx vitest run test/unit/docs rewrites it) -->';
export const TABLE_END = '<!-- settings-table:end -->';

const SIDES: Record<SettingSpec['side'], string> = {
  both: 'both',
  provider: 'provider',
  consumer: 'consumer',
  platform: 'platform (set by Azure)',
};

function cell(value: string): string {
  return value.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(value: string): string {
  return value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``;
}

/** The settings table of docs/settings.md, one row per setting, in the order of SETTINGS. */
export function settingsTable(settings: readonly SettingSpec[] = SETTINGS): string {
  const rows = settings.map((s) => {
    const fallback = s.default === undefined ? '—' : s.default === '' ? '(empty)' : code(s.default);
    return `| \`${s.name}\` | ${SIDES[s.side]} | ${cell(fallback)} | ${cell(code(s.example))} | ${cell(s.description)} |`;
  });
  return ['| Setting | App | Default | Example | Meaning |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}
