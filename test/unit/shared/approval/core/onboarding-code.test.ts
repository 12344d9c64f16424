import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  codeReference,
  findCode,
  issueCode,
  maskCodes,
  parseCode,
  signingKey,
  verifyMac,
} from '../../../../../shared/approval/core/onboarding-code';

const CURRENT = signingKey('current-key-0123456789abcdefghijklmnopqrstuvwxyz');
const PREVIOUS = signingKey('previous-key-0123456789abcdefghijklmnopqrstuvwxyz');
const OTHER = signingKey('someone-elses-key-0123456789abcdefghijklmnopqrstu');

function parsed(code: string) {
  const p = parseCode(code);
  if (p === undefined) throw new Error(`not a code: ${code}`);
  return p;
}

describe('onboarding code format', () => {
  it('fits ARM’s 140-character request message with room for words, in an alphabet without confusable characters', () => {
    const { code, id } = issueCode(CURRENT);
    expect(code.length).toBe(CODE_LENGTH);
    expect(code.length).toBeLessThanOrEqual(40);
    expect(code.startsWith('PLG-')).toBe(true);
    for (const char of code.slice(4)) expect(CODE_ALPHABET).toContain(char);
    for (const confusable of 'ILOU') expect(CODE_ALPHABET).not.toContain(confusable);
    expect(code).toContain(id);
  });

  it('parses case-insensitively and verifies under its key', () => {
    const { code } = issueCode(CURRENT);
    expect(verifyMac(parsed(code.toLowerCase()), [CURRENT])).toBe(true);
    expect(verifyMac(parsed(`  ${code}  `), [CURRENT])).toBe(true);
  });

  it('refuses a tampered code: any changed character of id or MAC fails the MAC', () => {
    const { code } = issueCode(CURRENT);
    for (let i = 5; i < code.length; i++) {
      const char = code[i] as string;
      const other = CODE_ALPHABET[(CODE_ALPHABET.indexOf(char) + 1) % CODE_ALPHABET.length] as string;
      const tampered = `${code.slice(0, i)}${other}${code.slice(i + 1)}`;
      expect(verifyMac(parsed(tampered), [CURRENT]), `position ${i}`).toBe(false);
    }
  });

  it('refuses a code signed with a key the app does not hold', () => {
    const { code } = issueCode(OTHER);
    expect(verifyMac(parsed(code), [CURRENT, PREVIOUS])).toBe(false);
  });

  it('key rotation: the previous key still verifies its codes; once removed, they no longer do', () => {
    const old = issueCode(PREVIOUS).code;
    const fresh = issueCode(CURRENT).code;
    expect(verifyMac(parsed(old), [CURRENT, PREVIOUS])).toBe(true);
    expect(verifyMac(parsed(fresh), [CURRENT, PREVIOUS])).toBe(true);
    expect(verifyMac(parsed(old), [CURRENT])).toBe(false);
    expect(verifyMac(parsed(fresh), [CURRENT])).toBe(true);
  });

  it('finds the code in a message with words around it, and says when there is none, several or a broken one', () => {
    const { code } = issueCode(CURRENT);
    const second = issueCode(CURRENT).code;
    const found = findCode(`Contoso prod, ticket 4711: ${code.toLowerCase()}.`);
    expect(found.kind).toBe('one');
    expect(findCode('no code here').kind).toBe('none');
    expect(findCode(`${code} and ${second}`).kind).toBe('several');
    expect(findCode(`${code} again ${code}`).kind).toBe('one');
    expect(findCode(`${code.slice(0, -1)}`).kind).toBe('malformed');
    expect(findCode(`X${code}`).kind).toBe('malformed');
    expect(findCode(`${code}9`).kind).toBe('malformed');
  });

  it('scans hostile text in one pass: a long run of prefixes is all malformed, and a code after it is still found', () => {
    const { code } = issueCode(CURRENT);
    const hostile = `${'PLG-'.repeat(50_000)}${'PLG-0'.repeat(20_000)}`;
    expect(findCode(hostile).kind).toBe('malformed');
    expect(findCode(`${'PLG-PL'.repeat(20_000)} ${code}`).kind).toBe('one');
    expect(maskCodes(hostile)).not.toContain('PLG-0');
  });

  it('masks every code (and anything starting like one), keeping only the id', () => {
    const { code, id } = issueCode(CURRENT);
    const masked = maskCodes(`Contoso ${code.toLowerCase()} and PLG-12345`);
    expect(masked).toBe(`Contoso [onboarding code ${id}] and [onboarding code malformed]`);
    expect(masked.toUpperCase()).not.toContain(code.slice(4 + 14));
    expect(codeReference(masked)).toEqual({ kind: 'masked', id });
  });
});
