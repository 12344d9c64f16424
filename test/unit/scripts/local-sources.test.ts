import { describe, expect, it } from 'vitest';
import { applySources, chooseSources } from '../../../scripts/local-sources';

const LAB = { PROBE_TARGETS: '[{"id":"pe-a","url":"http://127.0.0.2/"}]' };
const files =
  (...present: string[]) =>
  (path: string) =>
    present.includes(path);

describe('npm run local: which policy and targets', () => {
  it("uses the user's approval-policy.yaml over the sample, and says so", () => {
    const mine = chooseSources({}, LAB, files('approval-policy.yaml'));
    expect(mine.overrides.APPROVAL_POLICY_PATH).toBe('approval-policy.yaml');
    expect(mine.lines[0]).toBe('policy: approval-policy.yaml (your file)');
    const none = chooseSources({}, LAB, files());
    expect(none.overrides).toEqual({});
    expect(none.lines[0]).toContain('approval-policy.sample.yaml (the sample');
    expect(
      chooseSources({ APPROVAL_POLICY_PATH: 'p.yaml' }, LAB, files('approval-policy.yaml')).lines[0],
    ).toBe('policy: p.yaml (APPROVAL_POLICY_PATH, yours)');
  });

  it("a user's PROBE_TARGETS_PATH beats the lab's generated targets", () => {
    const choice = chooseSources(
      { PROBE_TARGETS_PATH: 'mine.yaml' },
      { ...LAB, PROBE_TARGETS_PATH: 'mine.yaml' },
      files(),
    );
    const env = applySources({ ...LAB, PROBE_TARGETS_PATH: 'mine.yaml' }, choice);
    expect(env.PROBE_TARGETS).toBeUndefined();
    expect(env.PROBE_TARGETS_PATH).toBe('mine.yaml');
    expect(choice.lines[1]).toBe('probe targets: mine.yaml (PROBE_TARGETS_PATH, yours)');
    const lab = chooseSources({}, LAB, files('probe-targets.yaml'));
    expect(applySources(LAB, lab).PROBE_TARGETS).toBe(LAB.PROBE_TARGETS);
    expect(lab.lines[1]).toContain("the lab's private endpoints");
  });

  it('without the lab, uses probe-targets.yaml when present', () => {
    const choice = chooseSources({}, {}, files('probe-targets.yaml'));
    expect(choice.overrides.PROBE_TARGETS_PATH).toBe('probe-targets.yaml');
  });
});
