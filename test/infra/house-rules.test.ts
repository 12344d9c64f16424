import { beforeAll, describe, expect, it } from 'vitest';
import type { BicepFile } from '../helpers/bicep';
import { HOUSE_RULES } from './checks/house-rules';
import { describe as explain } from './checks/violation';
import { infraFiles } from './infra-fixture';

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

describe('infra house rules', () => {
  it('finds the templates and parameter files of every side', () => {
    const paths = files.map((f) => f.path);
    for (const expected of [
      'infra/provider/main.bicep',
      'infra/provider/main.bicepparam',
      'infra/consumer/main.bicep',
      'infra/consumer/main.bicepparam',
      'infra/lab/provider-lab.bicep',
      'infra/lab/provider-lab.bicepparam',
      'infra/lab/consumer-lab.bicep',
      'infra/lab/consumer-lab.bicepparam',
    ]) {
      expect(paths).toContain(expected);
    }
  });

  for (const [name, check] of Object.entries(HOUSE_RULES)) {
    it(`${name}: no violations`, () => {
      const violations = check(files);
      expect(violations, explain(violations)).toEqual([]);
    });
  }
});
