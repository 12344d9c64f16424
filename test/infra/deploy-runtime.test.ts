import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BicepFile, propertyPath, resources } from '../helpers/bicep';
import {
  checkMaximumInstanceCount,
  checkNodeVersion,
  checkRoleAssignmentOrder,
} from './checks/deploy-runtime';
import { describe as explain, type Violation } from './checks/violation';
import { infraFile, infraFiles, REPO_ROOT, replaceOnce, withEdit } from './infra-fixture';

/**
 * What the deployed apps run on and how they are put in place: Flex Consumption's instance bounds,
 * the Node major, the order of custom role definitions and their assignments, the app registration's
 * token version. Each check is shown failing on a wrong copy of the real files.
 */

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

const MODULE = 'infra/modules/function-app.bicep';
const PROVIDER = 'infra/provider/main.bicep';
const CONSUMER = 'infra/consumer/main.bicep';

function expectClean(violations: readonly Violation[]): void {
  expect(violations, explain(violations)).toEqual([]);
}

function expectViolation(violations: readonly Violation[], fragment: string): void {
  expect(explain(violations), explain(violations) || '(no violations)').toContain(fragment);
}

describe('Flex Consumption maximumInstanceCount is 40..1000', () => {
  it('holds for the module and the provider template', () => {
    expectClean(checkMaximumInstanceCount(files));
  });

  it('fails when a template accepts fewer than 40 or more than 1000', async () => {
    expectViolation(
      checkMaximumInstanceCount(
        await withEdit(
          files,
          PROVIDER,
          replaceOnce(
            '@minValue(40)\n@maxValue(1000)\nparam maximumInstanceCount',
            '@minValue(1)\n@maxValue(1000)\nparam maximumInstanceCount',
          ),
        ),
      ),
      "Flex Consumption's lowest maximum is 40",
    );
    expectViolation(
      checkMaximumInstanceCount(
        await withEdit(files, MODULE, replaceOnce('@maxValue(1000)', '@maxValue(2000)')),
      ),
      "Flex Consumption's highest maximum is 1000",
    );
  });
});

describe('Node runtime: 22 by default, 24 selectable', () => {
  it('every app template takes nodeVersion and the module runs it', () => {
    expectClean(checkNodeVersion(files));
  });

  it('fails when the module pins a version, a template drops 24 or changes the default', async () => {
    expectViolation(
      checkNodeVersion(await withEdit(files, MODULE, replaceOnce('version: nodeVersion', "version: '22'"))),
      'expected node/nodeVersion',
    );
    expectViolation(
      checkNodeVersion(
        await withEdit(
          files,
          CONSUMER,
          replaceOnce("  '22'\n  '24'\n])\nparam nodeVersion", "  '22'\n])\nparam nodeVersion"),
        ),
      ),
      'expected [22, 24]',
    );
    expectViolation(
      checkNodeVersion(
        await withEdit(
          files,
          PROVIDER,
          replaceOnce("param nodeVersion string = '22'", "param nodeVersion string = '24'"),
        ),
      ),
      "expected '22'",
    );
    expectViolation(
      checkNodeVersion(await withEdit(files, PROVIDER, replaceOnce('    nodeVersion: nodeVersion\n', ''))),
      'does not pass nodeVersion',
    );
  });
});

describe('custom roles are usable before their assignments', () => {
  it('each assignment module waits for the role definition and the function app', () => {
    expectClean(checkRoleAssignmentOrder(files));
  });

  it('fails when an assignment no longer waits for the definition or the app', async () => {
    expectViolation(
      checkRoleAssignmentOrder(
        await withEdit(
          files,
          PROVIDER,
          replaceOnce(
            '      plsRole\n      app\n    ]\n  }\n]\n\n// Discovery',
            '      app\n    ]\n  }\n]\n\n// Discovery',
          ),
        ),
      ),
      'module plsAccess does not depend on plsRole',
    );
    expectViolation(
      checkRoleAssignmentOrder(
        await withEdit(files, PROVIDER, replaceOnce('      discoveryReaderRole\n      app\n', '      app\n')),
      ),
      'module discoveryReaderAccess does not depend on discoveryReaderRole',
    );
    expectViolation(
      checkRoleAssignmentOrder(
        await withEdit(
          files,
          PROVIDER,
          replaceOnce(
            '      plsRole\n      app\n    ]\n  }\n]\n\n// EXPOSURE',
            '      app\n    ]\n  }\n]\n\n// EXPOSURE',
          ),
        ),
      ),
      'module discoveredWriteAccess does not depend on plsRole',
    );
    expectViolation(
      checkRoleAssignmentOrder(
        await withEdit(
          files,
          CONSUMER,
          replaceOnce('      readerRoleDefinition\n      app\n', '      readerRoleDefinition\n'),
        ),
      ),
      'module privateEndpointAccess does not depend on app',
    );
  });
});

describe('the app registration asks for v2 access tokens (infra/entra/application-api.json)', () => {
  const api = JSON.parse(readFileSync(join(REPO_ROOT, 'infra', 'entra', 'application-api.json'), 'utf8')) as {
    api?: { requestedAccessTokenVersion?: number };
  };

  it('because Easy Auth validates tokens against the v2.0 issuer', () => {
    const auth = resources(infraFile(files, 'infra/provider/modules/app-auth.bicep')).find(
      (r) => r.type === 'Microsoft.Web/sites/config',
    );
    const issuer = propertyPath(
      auth?.body,
      'properties.identityProviders.azureActiveDirectory.registration.openIdIssuer',
    );
    expect(issuer?.text).toMatch(/\/v2\.0'$/);
    expect(api.api?.requestedAccessTokenVersion).toBe(2);
  });

  it('and docs/deploy.md applies that file to the app registration it creates', () => {
    const deploy = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    const step4 = deploy.slice(deploy.indexOf('### 4. Entra app registration'), deploy.indexOf('### 5.'));
    expect(step4).toMatch(
      /az rest --method PATCH --url "https:\/\/graph\.microsoft\.com\/v1\.0\/applications\(appId='\$APP_ID'\)"[^\n]*\\\n\s*--headers Content-Type=application\/json --body @infra\/entra\/application-api\.json/,
    );
  });
});
