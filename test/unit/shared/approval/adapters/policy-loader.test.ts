import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy, parsePolicy } from '../../../../../shared/approval/adapters/policy-loader';
import { AppError } from '../../../../../shared/errors';

function policyError(text: string): AppError {
  try {
    parsePolicy(text);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the policy to be refused');
}

const MINIMAL = 'version: 1\ndefault: { action: manual }\n';

describe('loading the approval policy', () => {
  it('loads a minimal policy with defaults', () => {
    const policy = parsePolicy(MINIMAL);
    expect(policy.rules).toEqual([]);
    expect(policy.enforceOnApproved).toBe(false);
    expect(policy.default.action).toBe('manual');
    expect(policy.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('reports every problem with its path, including bad regular expressions', () => {
    const error = policyError(`
version: 1
default: { action: manual }
rules:
  - name: a
    action: approve
    match: { consumerTenants: [not-a-guid] }
  - name: b
    action: approve
    match: { privateEndpointName: "/([a-z/" }
  - name: c
    action: approve
    match:
      requestMessage: "CHG(\\\\d{7}"
`);
    expect(error.code).toBe('policy_invalid');
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'rules[0].match.consumerTenants[0]: expected a GUID',
      expect.stringMatching(
        /^rules\[1\]\.match\.privateEndpointName: invalid regular expression: missing closing \]/,
      ),
      expect.stringMatching(
        /^rules\[2\]\.match\.requestMessage: invalid regular expression: missing closing \)/,
      ),
    ]);
  });

  it('refuses unknown keys anywhere, so a typo cannot silently widen a rule', () => {
    const error = policyError(`
version: 1
default: { action: manual }
rules:
  - name: trusted
    action: approve
    match: { consumerTenant: [aaaaaaaa-0000-0000-0000-000000000001] }
`);
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'rules[0].match', message: expect.stringContaining('consumerTenant') }),
    ]);
    expect(policyError(`${MINIMAL}colour: blue\n`).issues[0]?.path).toBe('(root)');
    expect(policyError('version: 1\ndefault: { action: manual, descripton: x }\n').issues[0]?.path).toBe(
      'default',
    );
  });

  it('refuses approve as the default, quotas on non-approve rules and duplicate rule names', () => {
    expect(policyError('version: 1\ndefault: { action: approve }\n').issues[0]?.path).toBe('default.action');
    const error = policyError(`
version: 1
default: { action: manual }
rules:
  - { name: q, action: reject, match: { quota: { max: 1, per: subscription } } }
  - { name: Q, action: manual }
`);
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].match.quota', 'rules[1].name']);
  });

  it('refuses description templates that can exceed 140 characters or use unknown placeholders', () => {
    const long = `Approved for {endpoint} of {subscription} in tenant {tenant} via {pls}`;
    const error = policyError(`
version: 1
default: { action: manual }
rules:
  - { name: a, action: approve, description: "${long}" }
  - { name: b, action: reject, description: "Rejected: {reason}" }
`);
    expect(error.issues).toEqual([
      {
        path: 'rules[0].description',
        message: expect.stringMatching(/can render to \d+ characters; ARM allows 140/),
      },
      { path: 'rules[1].description', message: expect.stringContaining('unknown placeholder {reason}') },
    ]);
  });

  it('gives the same version to the same rules whatever the formatting, and another to other rules', () => {
    const a = parsePolicy('version: 1\ndefault: {action: manual}\nrules: [{name: x, action: reject}]');
    const b = parsePolicy(
      '# comment\nrules:\n  - action: reject\n    name: x\ndefault:\n  action: manual\nversion: 1\n',
    );
    const c = parsePolicy('version: 1\ndefault: {action: manual}\nrules: [{name: x, action: approve}]');
    expect(a.version).toBe(b.version);
    expect(c.version).not.toBe(a.version);
  });

  it('accepts JSON too and loads the shipped sample from its file', async () => {
    expect(parsePolicy('{"version":1,"default":{"action":"reject"}}').default.action).toBe('reject');
    const root = join(__dirname, '../../../../..');
    const policy = await loadPolicy({ kind: 'file', path: 'approval-policy.sample.yaml' }, root);
    expect(policy.rules.length).toBeGreaterThan(0);
    const text = await readFile(join(root, 'approval-policy.sample.yaml'), 'utf8');
    expect(text).toContain('#');
  });

  it('names the file when it does not exist', async () => {
    await expect(loadPolicy({ kind: 'file', path: 'no-such-policy.yaml' }, __dirname)).rejects.toMatchObject({
      code: 'policy_invalid',
      issues: [{ path: 'no-such-policy.yaml', message: 'file not found' }],
    });
  });
});
