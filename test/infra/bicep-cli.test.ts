import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  type BicepCli,
  checkInfra,
  formatDiagnostic,
  INSTALL_HINT,
  obtainBicep,
  parseDiagnostics,
} from '../../scripts/check-infra';
import { REPO_ROOT } from './infra-fixture';

/**
 * The official Bicep compiler and linter over every file in infra/ (what `npm run check:infra` and
 * CI run). A CLI on PATH, `az bicep`, or one restored from NuGet with dotnet; on a machine with none
 * of these the compiler tests are skipped, visibly, with the install hint.
 */
let cli: BicepCli | undefined;
const SKIP_NOTE = `no Bicep CLI: ${INSTALL_HINT}`;

/** The CLI, or a visible skip with the install hint (printed, and the reporter's skip note). */
function requireCli(ctx: TestContext): BicepCli {
  if (cli === undefined) {
    console.warn(`test/infra/bicep-cli: skipped, ${SKIP_NOTE}`);
    ctx.skip(SKIP_NOTE);
  }
  return cli as BicepCli;
}

describe('Bicep CLI diagnostics parsing', () => {
  it('reads the default diagnostics format, with repo-relative paths and the link dropped', () => {
    const out = [
      `${REPO_ROOT}/infra/modules/storage.bicep(49,53) : Warning use-recent-api-versions: Use more recent API version for 'Microsoft.Storage/storageAccounts'. [https://aka.ms/bicep/linter-diagnostics#use-recent-api-versions]`,
      `${REPO_ROOT}/infra/consumer/main.bicep(93,16) : Error BCP104: The referenced module has errors. [https://aka.ms/bicep/core-diagnostics#BCP104]`,
      'Bicep CLI version 0.49.2',
    ].join('\n');
    expect(parseDiagnostics(out, REPO_ROOT)).toEqual([
      {
        file: 'infra/modules/storage.bicep',
        line: 49,
        column: 53,
        level: 'Warning',
        code: 'use-recent-api-versions',
        message: "Use more recent API version for 'Microsoft.Storage/storageAccounts'.",
      },
      {
        file: 'infra/consumer/main.bicep',
        line: 93,
        column: 16,
        level: 'Error',
        code: 'BCP104',
        message: 'The referenced module has errors.',
      },
    ]);
  });
});

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('bicep build, build-params and lint with the official CLI', () => {
  // Restoring from NuGet on a cold cache takes a while; a found CLI is immediate.
  beforeAll(async () => {
    cli = await obtainBicep(REPO_ROOT, (line) => console.log(`bicep-cli: ${line}`));
  }, 300_000);

  it('every template, module and parameter file builds, and the linter reports nothing', {
    timeout: 240_000,
  }, async (ctx) => {
    const report = await checkInfra(requireCli(ctx), REPO_ROOT);
    expect(report.templates).toContain('infra/provider/main.bicep');
    expect(report.templates).toContain('infra/modules/function-app.bicep');
    expect(report.params).toContain('infra/lab/provider-lab.bicepparam');
    expect([...report.diagnostics.map(formatDiagnostic), ...report.failures]).toEqual([]);
  });

  // The check must fail on what the compiler finds: a scratch repo with the project's
  // bicepconfig.json and one stale, one broken file.
  it('reports a linter warning and a compile error as problems', { timeout: 120_000 }, async (ctx) => {
    const bicep = requireCli(ctx);
    const root = mkdtempSync(join(tmpdir(), 'check-infra-'));
    scratch.push(root);
    cpSync(join(REPO_ROOT, 'bicepconfig.json'), join(root, 'bicepconfig.json'));
    mkdirSync(join(root, 'infra'));
    writeFileSync(
      join(root, 'infra', 'stale.bicep'),
      [
        "@description('Region.')",
        'param location string',
        "resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {",
        "  name: 'id-stale'",
        '  location: location',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(root, 'infra', 'broken.bicep'), 'output x string = undefinedSymbol\n');
    const report = await checkInfra(bicep, root);
    const codes = report.diagnostics.map((d) => `${d.file} ${d.code}`);
    expect(codes).toContain('infra/stale.bicep use-recent-api-versions');
    expect(codes.some((c) => c.startsWith('infra/broken.bicep BCP'))).toBe(true);
  });
});
