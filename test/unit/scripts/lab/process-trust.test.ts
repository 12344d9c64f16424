import { describe, expect, it } from 'vitest';
import { trustForThisProcess } from '../../../../scripts/lab/process-trust';

describe('trustForThisProcess', () => {
  it('adds the CA to the current defaults instead of replacing them', () => {
    let set: readonly string[] = [];
    const result = trustForThisProcess('LAB CA', {
      getCACertificates: () => ['PUBLIC 1', 'PUBLIC 2'],
      setDefaultCACertificates: (certs) => {
        set = certs;
      },
    });
    expect(result).toEqual({ ok: true });
    expect(set).toEqual(['PUBLIC 1', 'PUBLIC 2', 'LAB CA']);
  });

  it('says why when this Node cannot change the defaults of a running process', () => {
    const result = trustForThisProcess('LAB CA', {});
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/Node 22\.19 or later/) });
  });
});
