import { describe, expect, it } from 'vitest';
import { parseConsumerArgs } from '../../../../scripts/lab/consumer-args';

const SUB = '66666666-6666-6666-6666-666666666666';

describe('lab:consumer arguments', () => {
  it('reads the flags and applies defaults', () => {
    expect(
      parseConsumerArgs(['--subscription', SUB, '--message', 'CHG0000001 - hi', '--pls', 'pls-web']),
    ).toEqual({
      kind: 'args',
      args: {
        subscription: SUB,
        message: 'CHG0000001 - hi',
        pls: 'pls-web',
        'resource-group': 'rg-lab-consumer',
        location: 'westeurope',
        wait: 0,
      },
    });
    expect(parseConsumerArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('names every bad or missing flag and what it expected', () => {
    const parsed = parseConsumerArgs([
      '--subscription',
      'nope',
      '--tenant',
      '123',
      '--wait',
      'soon',
      '--arm',
      'http://10.0.0.4:80',
    ]);
    expect(parsed.kind).toBe('invalid');
    const issues = parsed.kind === 'invalid' ? parsed.issues.map((i) => `${i.path}: ${i.message}`) : [];
    expect(issues).toEqual(
      expect.arrayContaining([
        '--subscription: expected a GUID such as 22222222-2222-2222-2222-222222222222',
        '--tenant: expected a GUID such as 22222222-2222-2222-2222-222222222222',
        '--message: required',
        '--wait: expected a whole number of seconds',
        '--arm: expected the loopback URL of the ARM emulator',
      ]),
    );
  });

  it('refuses unknown flags and a message over ARM’s 140 characters', () => {
    expect(parseConsumerArgs(['--subscriptoin', SUB])).toMatchObject({
      kind: 'invalid',
      issues: [{ path: '(arguments)', message: expect.stringContaining("'--subscriptoin'") }],
    });
    expect(parseConsumerArgs(['--subscription', SUB, '--message', 'x'.repeat(141)])).toMatchObject({
      kind: 'invalid',
      issues: [{ path: '--message', message: 'expected at most 140 characters (ARM limit)' }],
    });
  });
});
