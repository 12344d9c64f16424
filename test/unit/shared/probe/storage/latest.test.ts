import { describe, expect, it } from 'vitest';
import { latestViewFromEntity } from '../../../../../shared/probe/storage/latest';

describe('the latest row as read', () => {
  it('a URL stored with its query values (a row written before they were redacted) is read without them', () => {
    const view = latestViewFromEntity({
      partitionKey: 'latest',
      rowKey: 'fn',
      targetId: 'fn',
      url: 'http://10.0.0.5/api/health?code=fn-key-value&x=1',
    });
    expect(view.url).toBe('http://10.0.0.5/api/health?code=[redacted]&x=[redacted]');
  });

  it('a row without a URL stays without one', () => {
    expect(latestViewFromEntity({ partitionKey: 'latest', rowKey: 'fn', targetId: 'fn' }).url).toBeNull();
  });
});
