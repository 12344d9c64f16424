import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostJson, readHostJson, timeSpanSeconds } from '../../../../scripts/local-host/host-json';
import { DEFAULT_QUEUE_OPTIONS } from '../../../../scripts/local-host/queue-poller';

describe('host.json for the local host', () => {
  it('reads TimeSpans as the host writes them', () => {
    expect(timeSpanSeconds('00:00:30')).toBe(30);
    expect(timeSpanSeconds('1.02:03:04.5')).toBe(93_784.5);
    expect(timeSpanSeconds('30s')).toBeUndefined();
  });

  it("takes the project's route prefix and queue retry settings", () => {
    const settings = readHostJson(join(__dirname, '..', '..', '..', '..', 'host.json'));
    expect(settings.routePrefix).toBe('api');
    expect(settings.queues).toMatchObject({
      maxDequeueCount: 5,
      batchSize: 16,
      visibilityTimeoutSeconds: 30,
    });
  });

  it('falls back to the host defaults and reports bad values by path', () => {
    expect(parseHostJson({ version: '2.0' })).toEqual({ routePrefix: 'api', queues: DEFAULT_QUEUE_OPTIONS });
    expect(parseHostJson({ extensions: { http: { routePrefix: '' } } }).routePrefix).toBe('');
    expect(() => parseHostJson({ extensions: { queues: { visibilityTimeout: '30s' } } })).toThrow(
      /extensions\.queues\.visibilityTimeout/,
    );
  });
});
