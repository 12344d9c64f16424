import { beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_EVENT_TYPES, ACCEPTED_OPERATION_NAMES } from '../../shared/approval/core/event-filter';
import { ARM_OPERATIONS } from '../../shared/arm/arm-operations';
import { SETTINGS, type SettingSpec } from '../../shared/config/settings';
import type { RegisteredFunction } from '../../shared/host/function-definition';
import type { BicepFile } from '../helpers/bicep';
import {
  checkAppSettings,
  checkCustomRoles,
  checkEventFilters,
  checkRegistryReferences,
  exampleProbeTargetsParse,
  paramFilesMatchTemplates,
  ROLE_EXPECTATIONS,
} from './checks/consistency';
import {
  flexSitesAvoidDeprecatedProperties,
  modulesArePinned,
  noLiteralLocations,
  noSecretOutputs,
  paramsAreUsed,
  paramsHaveDescriptions,
  parsesCleanly,
  resourcesAreTagged,
  roleAssignmentNamesUseGuid,
  storageWithoutSharedKeys,
} from './checks/house-rules';
import type { Violation } from './checks/violation';
import { infraFiles, replaceOnce, withEdit } from './infra-fixture';

/**
 * Every check fails on drift: each test feeds a deliberately wrong copy of the real files (one
 * edit) or a changed expectation from the code, and expects the check to name the problem.
 */

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

const PROVIDER = 'infra/provider/main.bicep';
const CONSUMER = 'infra/consumer/main.bicep';
const EVENTS = 'infra/provider/modules/event-subscriptions.bicep';
const ROLE = 'infra/provider/modules/pls-operator-role.bicep';

function messages(violations: readonly Violation[]): string[] {
  return violations.map((v) => `${v.file}:${v.line} ${v.message}`);
}

function expectViolation(violations: readonly Violation[], fragment: string | RegExp): void {
  expect(
    messages(violations).some((m) =>
      typeof fragment === 'string' ? m.includes(fragment) : fragment.test(m),
    ),
    messages(violations).join('\n') || '(no violations)',
  ).toBe(true);
}

describe('house rules catch drift', () => {
  it('a syntax error', async () => {
    const bad = await withEdit(
      files,
      PROVIDER,
      replaceOnce("targetScope = 'subscription'", "targetScope = = 'subscription'"),
    );
    expectViolation(parsesCleanly(bad), 'infra/provider/main.bicep:4 syntax error');
  });

  it('a registry module without a version, and a local module that does not exist', async () => {
    const unpinned = await withEdit(
      files,
      PROVIDER,
      replaceOnce(
        "module identity '../modules/identity.bicep'",
        "module identity 'br/public:avm/res/managed-identity/user-assigned-identity'",
      ),
    );
    expectViolation(modulesArePinned(unpinned), 'is not pinned to a version');
    const latest = await withEdit(
      files,
      PROVIDER,
      replaceOnce(
        "module identity '../modules/identity.bicep'",
        "module identity 'br/public:avm/res/managed-identity/user-assigned-identity:latest'",
      ),
    );
    expectViolation(modulesArePinned(latest), 'is not pinned to a version');
    const missing = await withEdit(
      files,
      PROVIDER,
      replaceOnce("'../modules/identity.bicep'", "'../modules/identiti.bicep'"),
    );
    expectViolation(modulesArePinned(missing), 'infra/modules/identiti.bicep, which does not exist');
  });

  it('a role assignment with a literal name', async () => {
    const bad = await withEdit(
      files,
      'infra/modules/storage.bicep',
      replaceOnce('name: guid(account.id, principalId, storageBlobDataOwnerRoleId)', "name: 'blob-owner'"),
    );
    expectViolation(roleAssignmentNamesUseGuid(bad), 'role assignment blobOwner: name must be guid(...)');
  });

  it('a param without @description', async () => {
    const bad = await withEdit(
      files,
      'infra/modules/identity.bicep',
      replaceOnce("@description('Name of the user-assigned managed identity.')\n", ''),
    );
    expectViolation(paramsHaveDescriptions(bad), 'param name has no @description');
  });

  it('literal locations: on a resource, through a var, as a param default, in a parameter file', async () => {
    const onResource = await withEdit(
      files,
      'infra/modules/identity.bicep',
      replaceOnce('  location: location\n', "  location: 'westeurope'\n"),
    );
    expectViolation(noLiteralLocations(onResource), "location is the literal 'westeurope'");
    const throughVar = await withEdit(
      files,
      'infra/modules/identity.bicep',
      replaceOnce('  location: location\n', '  location: region\n'),
    ).then((f) => withEdit(f, 'infra/modules/identity.bicep', (t) => `${t}\nvar region = 'westeurope'\n`));
    expectViolation(noLiteralLocations(throughVar), "location is the literal 'westeurope'");
    const asDefault = await withEdit(
      files,
      'infra/lab/provider-lab.bicep',
      replaceOnce('param location string = resourceGroup().location', "param location string = 'westeurope'"),
    );
    expectViolation(noLiteralLocations(asDefault), "param location defaults to 'westeurope'");
    const inParamFile = await withEdit(
      files,
      'infra/consumer/main.bicepparam',
      (t) => `${t}\nparam location = 'westeurope'\n`,
    );
    expectViolation(noLiteralLocations(inParamFile), "location is set to the literal 'westeurope'");
  });

  it("'global' stays allowed (subscription-level system topics live there)", () => {
    expect(files.find((f) => f.path === 'infra/provider/modules/system-topic.bicep')?.text).toContain(
      "location: 'global'",
    );
    expect(noLiteralLocations(files)).toEqual([]);
  });

  it('a secret-looking output', async () => {
    const bad = await withEdit(
      files,
      'infra/modules/storage.bicep',
      (t) => `${t}\noutput primaryKey string = account.listKeys().keys[0].value\n`,
    );
    expectViolation(noSecretOutputs(bad), 'output primaryKey looks like it exposes a secret');
  });

  it('a Flex Consumption site with siteConfig.ftpsState (ARM refuses it on Flex)', async () => {
    const bad = await withEdit(
      files,
      'infra/modules/function-app.bicep',
      replaceOnce(
        "      minTlsVersion: '1.2'\n",
        "      minTlsVersion: '1.2'\n      ftpsState: 'Disabled'\n",
      ),
    );
    expectViolation(flexSitesAvoidDeprecatedProperties(bad), 'Flex Consumption refuses siteConfig.ftpsState');
  });

  it('a storage account that allows shared keys, or does not say', async () => {
    const allowed = await withEdit(
      files,
      'infra/modules/storage.bicep',
      replaceOnce('allowSharedKeyAccess: false', 'allowSharedKeyAccess: true'),
    );
    expectViolation(storageWithoutSharedKeys(allowed), 'allowSharedKeyAccess must be false');
    const unset = await withEdit(
      files,
      'infra/modules/storage.bicep',
      replaceOnce('    allowSharedKeyAccess: false\n', ''),
    );
    expectViolation(storageWithoutSharedKeys(unset), 'allowSharedKeyAccess must be false');
  });

  it('a param nobody uses', async () => {
    const bad = await withEdit(
      files,
      'infra/modules/identity.bicep',
      (t) => `${t}\n@description('Unused.')\nparam location2 string\n`,
    );
    expectViolation(paramsAreUsed(bad), 'param location2 is never used');
    const keyOnly = await withEdit(
      files,
      'infra/modules/identity.bicep',
      replaceOnce('  tags: tags\n', '  tags: {}\n'),
    );
    expectViolation(paramsAreUsed(keyOnly), 'param tags is never used');
  });

  it('a resource without tags', async () => {
    const bad = await withEdit(files, 'infra/modules/identity.bicep', replaceOnce('  tags: tags\n', ''));
    expectViolation(
      resourcesAreTagged(bad),
      'resource identity (Microsoft.ManagedIdentity/userAssignedIdentities) has no tags',
    );
  });
});

describe('consistency checks catch drift', () => {
  it('an app setting the code needs is not set', async () => {
    const bad = await withEdit(files, CONSUMER, replaceOnce('  PROBE_QUEUE_NAME: probeQueueName\n', ''));
    expectViolation(checkAppSettings(bad), 'consumer app does not set PROBE_QUEUE_NAME');
  });

  it('a new provider setting in settings.ts that infra does not set yet', () => {
    const added: SettingSpec = {
      name: 'APPROVAL_NOTIFY_URL',
      description: 'test',
      example: 'https://example.invalid',
      side: 'provider',
      rule: { type: 'httpsUrl' },
    };
    expectViolation(
      checkAppSettings(files, undefined, [...SETTINGS, added]),
      'provider app does not set APPROVAL_NOTIFY_URL',
    );
  });

  it('a misspelt setting, a setting of the other side, a default that disagrees', async () => {
    const typo = await withEdit(
      files,
      PROVIDER,
      replaceOnce('  PLS_RESOURCE_IDS: join', '  PLS_RESOURCE_ID: join'),
    );
    expectViolation(checkAppSettings(typo), 'PLS_RESOURCE_ID is not a setting of shared/config/settings.ts');
    expectViolation(checkAppSettings(typo), 'provider app does not set PLS_RESOURCE_IDS');
    const wrongSide = await withEdit(
      files,
      PROVIDER,
      replaceOnce(
        "  AUTH_MODE: 'easyauth'\n",
        "  AUTH_MODE: 'easyauth'\n  PROBE_SCHEDULE: reconcileSchedule\n",
      ),
    );
    expectViolation(
      checkAppSettings(wrongSide),
      'PROBE_SCHEDULE is a consumer setting, set on the provider app',
    );
    const drifted = await withEdit(
      files,
      PROVIDER,
      replaceOnce(
        "param reconcileSchedule string = '0 */5 * * * *'",
        "param reconcileSchedule string = '0 */10 * * * *'",
      ),
    );
    expectViolation(
      checkAppSettings(drifted),
      "RECONCILE_SCHEDULE defaults to '0 */10 * * * *' here but to '0 */5 * * * *' in settings.ts",
    );
    const intDrift = await withEdit(
      files,
      CONSUMER,
      replaceOnce('param probeConcurrency int = 32', 'param probeConcurrency int = 16'),
    );
    expectViolation(
      checkAppSettings(intDrift),
      "PROBE_CONCURRENCY defaults to '16' here but to '32' in settings.ts",
    );
  });

  it('an event filter missing one event type, or an operation name', async () => {
    const noDelete = await withEdit(
      files,
      EVENTS,
      replaceOnce("  'Microsoft.Resources.ResourceDeleteSuccess'\n", ''),
    );
    expectViolation(
      checkEventFilters(noDelete),
      'no event subscription delivers Microsoft.Resources.ResourceDeleteSuccess',
    );
    const noOperation = await withEdit(
      files,
      EVENTS,
      replaceOnce("  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete'\n", ''),
    );
    expectViolation(
      checkEventFilters(noOperation),
      'operation Microsoft.Network/privateLinkServices/privateEndpointConnections/delete is accepted by the handler but filtered out',
    );
  });

  it('an event filter that lets through what the handler ignores, or is not StringIn', async () => {
    const extraType = await withEdit(
      files,
      EVENTS,
      replaceOnce(
        "  'Microsoft.Resources.ResourceWriteSuccess'\n",
        "  'Microsoft.Resources.ResourceWriteSuccess'\n  'Microsoft.Resources.ResourceActionSuccess'\n",
      ),
    );
    expectViolation(
      checkEventFilters(extraType),
      'event type Microsoft.Resources.ResourceActionSuccess is not accepted by the handler',
    );
    const operator = await withEdit(
      files,
      EVENTS,
      replaceOnce("operatorType: 'StringIn'", "operatorType: 'StringContains'"),
    );
    expectViolation(checkEventFilters(operator), 'the data.operationName filter must be StringIn');
  });

  it('the handler starts accepting a new operation the filter does not deliver', () => {
    const expected = {
      eventTypes: ACCEPTED_EVENT_TYPES,
      operationNames: [...ACCEPTED_OPERATION_NAMES, 'Microsoft.Network/privateEndpoints/write'],
    };
    expectViolation(
      checkEventFilters(files, expected),
      'operation Microsoft.Network/privateEndpoints/write is accepted by the handler but filtered out',
    );
  });

  it('a custom role with an action too many, or one too few', async () => {
    const extra = await withEdit(
      files,
      ROLE,
      replaceOnce(
        "  'Microsoft.Network/privateLinkServices/read'\n",
        "  'Microsoft.Network/privateLinkServices/read'\n  'Microsoft.Network/privateLinkServices/write'\n",
      ),
    );
    expectViolation(
      checkCustomRoles(extra),
      'role grants Microsoft.Network/privateLinkServices/write, which the app does not perform',
    );
    const fewer = await withEdit(
      files,
      ROLE,
      replaceOnce("  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete'\n", ''),
    );
    expectViolation(
      checkCustomRoles(fewer),
      'role lacks Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
    );
    const gatewayGrew = ROLE_EXPECTATIONS.map((e) =>
      e.file === ROLE
        ? { ...e, actions: [...ARM_OPERATIONS, 'Microsoft.Network/privateLinkServices/write'] }
        : e,
    );
    expectViolation(
      checkCustomRoles(files, gatewayGrew),
      'role lacks Microsoft.Network/privateLinkServices/write',
    );
  });

  describe('registry references', () => {
    const noop = async (): Promise<void> => {};
    const registry = (overrides: Partial<Record<string, RegisteredFunction>> = {}): RegisteredFunction[] => {
      const all: Record<string, RegisteredFunction> = {
        health: {
          name: 'health',
          kind: 'http',
          options: { route: 'health', methods: ['GET'], authLevel: 'anonymous' },
          handler: async () => ({ status: 200 }),
        },
        metrics: {
          name: 'metrics',
          kind: 'http',
          options: { route: 'metrics', methods: ['GET'], authLevel: 'function' },
          handler: async () => ({ status: 200 }),
        },
        onConnectionEvent: { name: 'onConnectionEvent', kind: 'eventGrid', options: {}, handler: noop },
        reconcileConnections: {
          name: 'reconcileConnections',
          kind: 'timer',
          options: { schedule: '%RECONCILE_SCHEDULE%' },
          handler: noop,
        },
        reconcileQueuedPls: {
          name: 'reconcileQueuedPls',
          kind: 'storageQueue',
          options: { queueName: '%RECONCILE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
          handler: noop,
        },
        watchNewConnections: {
          name: 'watchNewConnections',
          kind: 'timer',
          options: { schedule: '%WATCH_SCHEDULE%' },
          handler: noop,
        },
        probeEndpoints: {
          name: 'probeEndpoints',
          kind: 'timer',
          options: { schedule: '%PROBE_SCHEDULE%' },
          handler: noop,
        },
        probeHttpTarget: {
          name: 'probeTarget',
          kind: 'storageQueue',
          options: { queueName: '%PROBE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
          handler: noop,
        },
        cleanupProbeResults: {
          name: 'cleanupProbeResults',
          kind: 'timer',
          options: { schedule: '%PROBE_CLEANUP_SCHEDULE%' },
          handler: noop,
        },
        ...overrides,
      };
      return Object.values(all).filter((f): f is RegisteredFunction => f !== undefined);
    };

    it('passes with a registry that has every function infra names', () => {
      expect(messages(checkRegistryReferences(files, registry()))).toEqual([]);
    });

    it('the Event Grid target function is missing or not an Event Grid function', () => {
      expectViolation(
        checkRegistryReferences(files, registry({ onConnectionEvent: undefined })),
        '/functions/onConnectionEvent: no Event Grid function',
      );
      const renamed = registry({
        onConnectionEvent: {
          name: 'onConnectionEvent',
          kind: 'timer',
          options: { schedule: '0 * * * * *' },
          handler: noop,
        },
      });
      expectViolation(
        checkRegistryReferences(files, renamed),
        '/functions/onConnectionEvent: no Event Grid function',
      );
    });

    it('a route exempted from Easy Auth is missing or not anonymous', () => {
      expectViolation(
        checkRegistryReferences(files, registry({ health: undefined })),
        '/api/health: no HTTP route of the registry matches',
      );
      const guarded = registry({
        health: {
          name: 'health',
          kind: 'http',
          options: { route: 'health', methods: ['GET'], authLevel: 'function' },
          handler: async () => ({ status: 200 }),
        },
      });
      expectViolation(
        checkRegistryReferences(files, guarded),
        '/api/health is exempted in infra but health is not anonymous',
      );
    });

    it('a schedule or queue setting no function binds', () => {
      const literal = registry({
        reconcileConnections: {
          name: 'reconcileConnections',
          kind: 'timer',
          options: { schedule: '0 */5 * * * *' },
          handler: noop,
        },
      });
      expectViolation(
        checkRegistryReferences(files, literal),
        'RECONCILE_SCHEDULE is set but no registered function binds %RECONCILE_SCHEDULE%',
      );
      expectViolation(
        checkRegistryReferences(files, registry({ probeHttpTarget: undefined })),
        'PROBE_QUEUE_NAME is set but no registered function binds',
      );
    });
  });

  it('a parameter file with an unknown name, a missing required one, a secret literal', async () => {
    const unknown = await withEdit(
      files,
      'infra/lab/consumer-lab.bicepparam',
      (t) => `${t}\nparam plsAliass = 'x'\n`,
    );
    expectViolation(
      paramFilesMatchTemplates(unknown),
      'plsAliass is not a parameter of infra/lab/consumer-lab.bicep',
    );
    const missing = await withEdit(files, 'infra/lab/consumer-lab.bicepparam', (t) =>
      t.replace(/^param plsAlias = .*$/m, ''),
    );
    expectViolation(
      paramFilesMatchTemplates(missing),
      'required parameter plsAlias of infra/lab/consumer-lab.bicep is not set',
    );
    const secret = await withEdit(
      files,
      'infra/lab/provider-lab.bicepparam',
      replaceOnce(
        "param adminPassword = readEnvironmentVariable('LAB_ADMIN_PASSWORD')",
        "param adminPassword = 'Passw0rd!Passw0rd'",
      ),
    );
    expectViolation(
      paramFilesMatchTemplates(secret),
      'adminPassword is @secure(); read it from the environment',
    );
  });

  it('example probe targets the probe would refuse', async () => {
    const bad = await withEdit(
      files,
      'infra/consumer/main.bicepparam',
      replaceOnce('"url":"http://10.0.1.4/"', '"url":"ftp://10.0.1.4/"'),
    );
    expectViolation(exampleProbeTargetsParse(bad), 'example probe targets do not parse');
  });
});
