import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/registry';
import type { BicepFile } from '../helpers/bicep';
import {
  checkAppSettings,
  checkCustomRoles,
  checkEventFilters,
  checkRegistryReferences,
  exampleProbeTargetsParse,
  paramFilesMatchTemplates,
} from './checks/consistency';
import { describe as explain } from './checks/violation';
import { infraFiles } from './infra-fixture';

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

describe('infra agrees with the code', () => {
  it('each function app sets every app setting its side needs, and only known ones', () => {
    const violations = checkAppSettings(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('the Event Grid filters equal ACCEPTED_EVENT_TYPES and ACCEPTED_OPERATION_NAMES', () => {
    const violations = checkEventFilters(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('the custom roles hold exactly ARM_OPERATIONS and CONSUMER_ARM_OPERATIONS', () => {
    const violations = checkCustomRoles(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('function names, routes and schedule settings used by infra exist in the registry', () => {
    const violations = checkRegistryReferences(files, FUNCTIONS);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('parameter files set declared parameters only, all required ones, no secret literals', () => {
    const violations = paramFilesMatchTemplates(files);
    expect(violations, explain(violations)).toEqual([]);
  });

  it('example probe targets parse with the probe target parser', () => {
    const violations = exampleProbeTargetsParse(files);
    expect(violations, explain(violations)).toEqual([]);
  });
});
