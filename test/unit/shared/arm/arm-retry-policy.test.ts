import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmMetrics, callKindOf } from '../../../../shared/arm/arm-metrics';
import { armRetryPolicy, retryAfterMs, retryReason } from '../../../../shared/arm/arm-retry-policy';

const request = createPipelineRequest({
  url: 'http://127.0.0.1:1/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/p',
});

function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
  return { status, headers: createHttpHeaders(headers), request };
}

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates and the millisecond headers', () => {
    expect(retryAfterMs(response(429, { 'retry-after': '3' }))).toBe(3_000);
    expect(retryAfterMs(response(429, { 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(response(429, { 'x-ms-retry-after-ms': '40' }))).toBe(40);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(response(429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5_000);
    expect(retryAfterMs(response(429, { 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(response(429))).toBeUndefined();
  });
});

describe('retryReason', () => {
  it('retries 429, 5xx (not 501/505) and resets; never other 4xx', () => {
    expect(retryReason(response(429), undefined)).toBe('throttled');
    expect(retryReason(response(500), undefined)).toBe('server');
    expect(retryReason(response(503), undefined)).toBe('server');
    expect(retryReason(response(501), undefined)).toBeUndefined();
    expect(retryReason(response(505), undefined)).toBeUndefined();
    for (const status of [400, 401, 403, 404, 408, 409, 412])
      expect(retryReason(response(status), undefined)).toBeUndefined();
    expect(retryReason(undefined, { code: 'ECONNRESET' })).toBe('network');
    expect(retryReason(undefined, { name: 'AbortError' })).toBe('network');
    expect(retryReason(undefined, { code: 'ENOTFOUND' })).toBeUndefined();
  });
});

describe('armRetryPolicy', () => {
  const options = {
    maxAttempts: 5,
    maxTotalWaitMs: 10_000,
    baseDelayMs: 100,
    maxDelayMs: 400,
    attemptTimeoutMs: 1_000,
  };

  it('backs off exponentially with equal jitter, capped, and stops at maxAttempts', async () => {
    const sleeps: number[] = [];
    const metrics = new ArmMetrics();
    const policy = armRetryPolicy(options, {
      metrics,
      random: () => 1,
      sleep: async (ms) => void sleeps.push(ms),
    });
    let calls = 0;
    const result = await policy.sendRequest(createPipelineRequest({ url: request.url }), async (r) => {
      calls += 1;
      return { status: 503, headers: createHttpHeaders(), request: r };
    });
    expect(result.status).toBe(503);
    expect(calls).toBe(5);
    expect(sleeps).toEqual([100, 200, 400, 400]);
    expect(metrics.snapshot()).toMatchObject({
      requests: { get: 5 },
      retries: { server: 4 },
      retryWaitMs: 1_100,
    });
  });

  it('stops before a wait that would exceed the total budget', async () => {
    const sleeps: number[] = [];
    const policy = armRetryPolicy(
      { ...options, maxTotalWaitMs: 2_500 },
      { random: () => 0, sleep: async (ms) => void sleeps.push(ms) },
    );
    const result = await policy.sendRequest(createPipelineRequest({ url: request.url }), async (r) => ({
      status: 429,
      headers: createHttpHeaders({ 'retry-after': '2' }),
      request: r,
    }));
    expect(result.status).toBe(429);
    expect(sleeps).toEqual([2_000]);
  });

  it('does not retry a 404 and rethrows non-retriable errors', async () => {
    let calls = 0;
    const policy = armRetryPolicy(options, { sleep: async () => undefined });
    const result = await policy.sendRequest(createPipelineRequest({ url: request.url }), async (r) => {
      calls += 1;
      return { status: 404, headers: createHttpHeaders(), request: r };
    });
    expect(result.status).toBe(404);
    expect(calls).toBe(1);
    await expect(
      policy.sendRequest(createPipelineRequest({ url: request.url }), async () => {
        throw Object.assign(new Error('dns'), { code: 'ENOTFOUND' });
      }),
    ).rejects.toThrow('dns');
  });
});

describe('callKindOf', () => {
  it('names ARM requests by kind', () => {
    const base =
      'http://127.0.0.1/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/p';
    expect(callKindOf('GET', base)).toBe('get');
    expect(callKindOf('GET', `${base}/privateEndpointConnections?api-version=1`)).toBe('list');
    expect(callKindOf('GET', `${base}/privateEndpointConnections/c`)).toBe('get');
    expect(callKindOf('PUT', `${base}/privateEndpointConnections/c`)).toBe('put');
    expect(callKindOf('DELETE', `${base}/privateEndpointConnections/c`)).toBe('delete');
    expect(
      callKindOf(
        'GET',
        'http://127.0.0.1/subscriptions/s/providers/Microsoft.Network/locations/we/operations/1',
      ),
    ).toBe('poll');
    expect(
      callKindOf(
        'GET',
        'http://127.0.0.1/subscriptions/s/providers/Microsoft.Network/locations/we/operationResults/1',
      ),
    ).toBe('poll');
  });
});
