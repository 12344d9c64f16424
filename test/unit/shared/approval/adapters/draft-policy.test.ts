import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDraftPolicy } from '../../../../../shared/approval/adapters/draft-policy';
import { parsePolicy } from '../../../../../shared/approval/adapters/policy-loader';
import { isAppError } from '../../../../../shared/errors';

const DRAFT = `version: 1
rules:
  - name: ticket
    action: approve
    match: { requestMessage: "CHG\\\\d{7}", privateEndpointName: ["pe-*", "/^api-\\\\d+$/"] }
default: { action: manual }
`;

async function problems(text: string, budgetMs?: number) {
  try {
    await parseDraftPolicy(text, 'the draft', budgetMs);
  } catch (error) {
    if (isAppError(error)) return { code: error.code, issues: error.issues };
    throw error;
  }
  throw new Error('expected the draft to be refused');
}

describe('parseDraftPolicy', () => {
  it('gives the policy parsePolicy gives for the same text', async () => {
    const draft = await parseDraftPolicy(DRAFT, 'the draft');
    const loaded = parsePolicy(DRAFT, 'the draft');
    expect(draft.version).toBe(loaded.version);
    expect(draft.rules.map((r) => r.name)).toEqual(['ticket']);
    expect(draft.rules[0]?.match.requestMessage?.test('see CHG1234567')).toBe(true);
  });

  it('takes the sample policy as a draft: the limits leave room for real policies', async () => {
    const sample = readFileSync(join(__dirname, '../../../../../approval-policy.sample.yaml'), 'utf8');
    expect((await parseDraftPolicy(sample, 'the sample')).version).toBe(parsePolicy(sample).version);
  });

  it('refuses a draft past its limits before compiling, and lists schema problems like parsePolicy', async () => {
    expect(await problems(DRAFT.replace('CHG\\\\d{7}', '\\\\pL{1,900}\\\\d{1,200}'))).toEqual({
      code: 'policy_invalid',
      issues: [{ path: 'rules[0].match.requestMessage', message: expect.stringMatching(/expands to 1100/) }],
    });
    expect(await problems('version: [1')).toMatchObject({
      code: 'policy_invalid',
      issues: [{ path: 'line 1, column 12' }],
    });
    expect(await problems(DRAFT.replace('approve', 'allow'))).toEqual({
      code: 'policy_invalid',
      issues: [{ path: 'rules[0].action', message: 'expected approve, reject, manual or entitlement' }],
    });
  });

  it('compiles one pattern per turn of the event loop, so other callbacks run in between', async () => {
    let done = false;
    let turns = 0;
    const countTurns = () => {
      if (done) return;
      turns++;
      setImmediate(countTurns);
    };
    setImmediate(countTurns);
    // Three patterns in DRAFT: a request that held the loop for all of them would leave no turn to count.
    await parseDraftPolicy(DRAFT.replace('ticket', 'ticket-turns'), 'the draft');
    done = true;
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('stops at the pattern that spends the compile budget, naming it', async () => {
    expect(await problems(DRAFT, 0)).toEqual({
      code: 'policy_invalid',
      issues: [
        {
          path: 'rules[0].match.privateEndpointName[0]',
          message: expect.stringMatching(/used up their 0 ms of CPU time to compile by this one/),
        },
      ],
    });
  });
});
