import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  baseEnv,
  LOCAL_DEFAULTS,
  readLocalSettings,
  withLocalDefaults,
  withServiceEnv,
} from '../../../../scripts/local-host/local-env';

const AZURITE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;TableEndpoint=http://127.0.0.1:5/devstoreaccount1';

function settingsFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'plg-settings-'));
  const path = join(dir, 'local.settings.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('local host settings', () => {
  it('lets the process environment win over local.settings.json, like func start', () => {
    const env = baseEnv(
      { APPROVAL_MODE: 'dry-run', EMPTY: '' },
      { APPROVAL_MODE: 'enforce', EMPTY: 'filled', PROBE_CONCURRENCY: '8' },
    );
    expect(env).toMatchObject({ APPROVAL_MODE: 'dry-run', EMPTY: 'filled', PROBE_CONCURRENCY: '8' });
  });

  it('fills storage with the started Azurite, also in place of UseDevelopmentStorage=true, but keeps a real connection', () => {
    expect(withServiceEnv({}, { AzureWebJobsStorage: AZURITE }).AzureWebJobsStorage).toBe(AZURITE);
    expect(
      withServiceEnv({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, { AzureWebJobsStorage: AZURITE })
        .AzureWebJobsStorage,
    ).toBe(AZURITE);
    const mine =
      'DefaultEndpointsProtocol=https;AccountName=mine;AccountKey=a2V5;EndpointSuffix=core.windows.net';
    expect(
      withServiceEnv({ AzureWebJobsStorage: mine }, { AzureWebJobsStorage: AZURITE }).AzureWebJobsStorage,
    ).toBe(mine);
  });

  it('applies local defaults only where nothing else is set', () => {
    expect(withLocalDefaults({})).toEqual(LOCAL_DEFAULTS);
    expect(withLocalDefaults({ AUTH_MODE: 'easyauth' }).AUTH_MODE).toBe('easyauth');
  });

  it('reads Values and Host.LocalHttpPort from local.settings.json', () => {
    const path = settingsFile({
      IsEncrypted: false,
      Values: { A: 'x', N: 5, B: true },
      Host: { LocalHttpPort: 7072 },
    });
    expect(readLocalSettings(path)).toEqual({ values: { A: 'x', N: '5', B: 'true' }, localHttpPort: 7072 });
    expect(readLocalSettings(join(tmpdir(), 'does-not-exist.json'))).toBeUndefined();
  });

  it('names what is wrong in a broken local.settings.json', () => {
    expect(() => readLocalSettings(settingsFile('{ nope'))).toThrow(/is not valid JSON/);
    expect(() => readLocalSettings(settingsFile({ Values: { A: { nested: 1 } } }))).toThrow(/Values\.A/);
    expect(() => readLocalSettings(settingsFile({ IsEncrypted: true, Values: {} }))).toThrow(/encrypted/);
  });
});
