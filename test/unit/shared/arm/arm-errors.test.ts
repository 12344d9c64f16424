import { describe, expect, it } from 'vitest';
import { armErrorBody, toArmError } from '../../../../shared/arm/arm-errors';
import { AppError } from '../../../../shared/errors';

function restError(
  status: number | undefined,
  body: unknown,
  headers: Record<string, string> = {},
  code?: string,
) {
  return {
    name: 'RestError',
    statusCode: status,
    code,
    message: 'SDK message with internals Authorization: Bearer secret',
    response:
      status === undefined
        ? undefined
        : {
            status,
            bodyAsText: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { get: (name: string) => headers[name.toLowerCase()] },
          },
  };
}

describe('toArmError', () => {
  it.each([
    [404, 'ResourceNotFound', 'arm_not_found'],
    // A PUT on a connection that no longer exists (Azure/azure-sdk-for-go#9484): gone, as a 404.
    [400, 'PrivateEndpointConnectionCannotBeCreatedByServiceProvider', 'arm_not_found'],
    [429, 'RetryableErrorDueToAnotherOperation', 'arm_throttled'],
    [400, 'BadRequest', 'arm_error'],
    [409, 'AnotherOperationInProgress', 'arm_conflict'],
    [412, 'PreconditionFailed', 'arm_conflict'],
    [400, 'CannotApproveRejectedPrivateEndpointConnection', 'arm_conflict'],
    [400, 'InvalidPrivateEndpointConnectionStateTransition', 'arm_conflict'],
    [400, 'InvalidRequestFormat', 'arm_error'],
    [403, 'AuthorizationFailed', 'arm_error'],
    [500, 'InternalServerError', 'arm_unavailable'],
    [503, 'ServiceUnavailable', 'arm_unavailable'],
  ])('maps %i %s to %s, keeping ARM code', (status, code, expected) => {
    const error = toArmError(restError(status, { error: { code, message: 'ARM says no.' } }), 'test op');
    expect(error.code).toBe(expected);
    expect(error.upstreamCode).toBe(code);
  });

  it('keeps ARM 4xx message but never the SDK message', () => {
    const error = toArmError(
      restError(404, { error: { code: 'ResourceNotFound', message: 'The Resource x was not found.' } }),
      'get',
    );
    expect(error.message).toContain('The Resource x was not found.');
    expect(error.message).not.toContain('Bearer');
    const server = toArmError(
      restError(500, { error: { code: 'InternalServerError', message: 'stack at line 3' } }),
      'get',
    );
    expect(server.message).not.toContain('stack');
  });

  it('turns 429 into arm_throttled with Retry-After in seconds (rounded up), or a default', () => {
    expect(
      toArmError(restError(429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '17' }), 'x'),
    ).toMatchObject({
      code: 'arm_throttled',
      retryAfterSeconds: 17,
      upstreamCode: 'TooManyRequests',
    });
    expect(toArmError(restError(429, {}, { 'retry-after-ms': '1500' }), 'x').retryAfterSeconds).toBe(2);
    expect(toArmError(restError(429, 'not json'), 'x').retryAfterSeconds).toBe(30);
  });

  it('treats a failure without a status (reset, timeout) as arm_unavailable', () => {
    const error = toArmError(restError(undefined, undefined, {}, 'ECONNRESET'), 'list');
    expect(error).toMatchObject({ code: 'arm_unavailable', upstreamCode: 'ECONNRESET' });
    expect(toArmError(new Error('boom'), 'list').code).toBe('arm_unavailable');
  });

  it('passes AppErrors through', () => {
    const original = new AppError('validation_failed', 'bad id');
    expect(toArmError(original, 'x')).toBe(original);
  });
});

describe('armErrorBody', () => {
  it('reads wrapped and bare ARM error bodies and tolerates garbage', () => {
    expect(armErrorBody('{"error":{"code":"A","message":"m"}}')).toEqual({ code: 'A', message: 'm' });
    expect(armErrorBody('{"code":"B"}')).toEqual({ code: 'B' });
    expect(armErrorBody('<html>')).toEqual({});
    expect(armErrorBody(undefined)).toEqual({});
  });
});
