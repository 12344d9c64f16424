import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { settingDefault } from '../../shared/config/settings';
import { type BicepFile, modules, outputs, parameters, propertyPath, stringValue } from '../helpers/bicep';
import { infraFile, infraFiles, REPO_ROOT } from './infra-fixture';

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

const file = (path: string): BicepFile => infraFile(files, path);

describe('azure.yaml (azd up for the provider app)', () => {
  const azure = parse(readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8')) as {
    infra: { provider: string; path: string; module: string };
    services: Record<string, { host: string; language: string; project: string }>;
    hooks: { postdeploy: { posix: { run: string }; windows: { run: string } } };
  };

  it('points at the provider template and its parameter file', () => {
    expect(azure.infra.provider).toBe('bicep');
    expect(existsSync(join(REPO_ROOT, azure.infra.path, `${azure.infra.module}.bicep`))).toBe(true);
    expect(existsSync(join(REPO_ROOT, azure.infra.path, `${azure.infra.module}.bicepparam`))).toBe(true);
  });

  it('deploys to the function app the template tags with azd-service-name', () => {
    const app = modules(file('infra/provider/main.bicep')).find(
      (m) => m.source === '../modules/function-app.bicep',
    );
    const serviceName = stringValue(propertyPath(app?.body, 'params.serviceName'));
    expect(serviceName).toBeDefined();
    expect(azure.services[serviceName ?? '']?.host).toBe('function');
  });

  it('the postdeploy hook passes exactly the event-subscription template parameters, from provider outputs', () => {
    const script = readFileSync(join(REPO_ROOT, azure.hooks.postdeploy.posix.run), 'utf8');
    expect(existsSync(join(REPO_ROOT, azure.hooks.postdeploy.windows.run))).toBe(true);
    const template = file('infra/provider/modules/event-subscriptions.bicep');
    expect(script).toContain('../provider/modules/event-subscriptions.bicep');
    const passed = [...script.matchAll(/^\s+(\w+)="\$(\w+)"/gm)].map((m) => ({ param: m[1], env: m[2] }));
    const required = parameters(template)
      .filter((p) => p.defaultValue === undefined)
      .map((p) => p.name);
    expect(passed.map((p) => p.param).sort()).toEqual([...required].sort());
    const providerOutputs = outputs(file('infra/provider/main.bicep')).map((o) => o.name);
    for (const { env } of passed) expect(providerOutputs).toContain(env);
  });

  it("the postdeploy hook deploys into the azd environment's subscription, not az's current one", () => {
    // azd does not sign the az CLI in; az uses its own current subscription unless told.
    const azCalls = (script: string): string[] =>
      script
        .split(/\baz (?=deployment|rest|eventgrid|functionapp|role)/)
        .slice(1)
        .map((call) => call.slice(0, call.indexOf('--output')));
    const posix = readFileSync(join(REPO_ROOT, azure.hooks.postdeploy.posix.run), 'utf8');
    const windows = readFileSync(join(REPO_ROOT, azure.hooks.postdeploy.windows.run), 'utf8');
    expect(azCalls(posix).length).toBeGreaterThan(0);
    expect(azCalls(windows).length).toBeGreaterThan(0);
    for (const call of azCalls(posix)) expect(call).toContain('--subscription "$AZURE_SUBSCRIPTION_ID"');
    for (const call of azCalls(windows)) expect(call).toContain('--subscription $env:AZURE_SUBSCRIPTION_ID');
    expect(posix).toContain(': "${AZURE_SUBSCRIPTION_ID:?');
    expect(windows).toContain("'AZURE_SUBSCRIPTION_ID'");
  });
});

describe('bicepconfig.json', () => {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'bicepconfig.json'), 'utf8')) as {
    analyzers: { core: { enabled: boolean; rules: Record<string, { level: string }> } };
  };

  it('makes `bicep lint` enforce the same house rules as errors', () => {
    expect(config.analyzers.core.enabled).toBe(true);
    for (const rule of [
      'no-hardcoded-location',
      'no-loc-expr-outside-params',
      'secure-secrets-in-params',
      'secure-parameter-default',
      'outputs-should-not-contain-secrets',
      'protect-commandtoexecute-secrets',
      'no-unused-params',
      'no-unused-vars',
      'no-hardcoded-env-urls',
      'use-resource-id-functions',
      'use-stable-vm-image',
    ]) {
      expect(config.analyzers.core.rules[rule]?.level, rule).toBe('error');
    }
    expect(['warning', 'error']).toContain(config.analyzers.core.rules['use-recent-api-versions']?.level);
  });
});

describe('infra/entra/app-roles.json (the app registration README.md#deploy-in-short creates)', () => {
  const roles = JSON.parse(readFileSync(join(REPO_ROOT, 'infra', 'entra', 'app-roles.json'), 'utf8')) as {
    value: string;
    id: string;
  }[];

  it('defines the reader and approver roles the app checks by default', () => {
    expect(roles.map((r) => r.value).sort()).toEqual(
      [settingDefault('AUTH_READER_ROLE'), settingDefault('AUTH_APPROVER_ROLE')].sort(),
    );
    expect(new Set(roles.map((r) => r.id)).size).toBe(roles.length);
  });
});
