import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { me } from '../../../../functions/me';
import type { FunctionDefinition } from '../../../../shared/host/function-definition';
import { registrationOf } from '../../../../shared/host/function-definition';
import { lazyFunction } from '../../../../shared/host/lazy-function';

function contextOf(functionName: string) {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: 'lazy-test',
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
  return { context, lines };
}

const request = () => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/x' });
const missing = async (): Promise<Record<string, unknown>> => {
  throw Object.assign(new Error("Cannot find module '/somewhere/chunks/functions.x.mjs'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
};

describe('lazyFunction (the generated entry’s stand-in for a function)', () => {
  it('registers from data alone and loads the function file on the first call', async () => {
    let loads = 0;
    const teapot: FunctionDefinition = { ...me, handler: async () => ({ status: 418 }) };
    const lazy = lazyFunction(registrationOf(me), 'functions/me', async () => {
      loads++;
      return { me: teapot };
    });
    expect(lazy).toMatchObject({ name: 'me', kind: 'http', options: me.options });
    expect(loads).toBe(0);
    if (lazy.kind !== 'http') throw new Error('expected http');
    // The loaded definition's own handler answers.
    const response = await lazy.handler(request(), contextOf('me').context);
    expect(loads).toBe(1);
    expect(response.status).toBe(418);
  });

  it('answers problem+json implementation_unavailable naming function and file when the file cannot load', async () => {
    const lazy = lazyFunction(registrationOf(me), 'functions/me', missing);
    if (lazy.kind !== 'http') throw new Error('expected http');
    const { context, lines } = contextOf('me');
    const response = (await lazy.handler(request(), context)) as HttpResponseInit;
    expect(response.status).toBe(500);
    expect(response.jsonBody).toMatchObject({ code: 'implementation_unavailable' });
    expect(JSON.stringify(response.jsonBody)).toContain('functions/me');
    expect(lines.some((l) => l.includes('function.implementation_unavailable'))).toBe(true);
  });

  it('answers health from the entry alone (503, the failures) for a function marked implementation-health', async () => {
    const lazy = lazyFunction(
      {
        name: 'health',
        kind: 'http',
        options: { route: 'health', methods: ['GET'], authLevel: 'anonymous' },
        whenUnloadable: 'implementation-health',
      },
      'functions/health',
      missing,
    );
    if (lazy.kind !== 'http') throw new Error('expected http');
    const response = (await lazy.handler(request(), contextOf('health').context)) as HttpResponseInit;
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({
      status: 'unhealthy',
      features: { functions: { state: 'invalid' } },
    });
  });

  it('throws implementation_unavailable from a non-HTTP trigger (the host retries or records it)', async () => {
    const lazy = lazyFunction(
      { name: 'probeEndpoints', kind: 'timer', options: { schedule: '0 * * * * *' } },
      'functions/probeEndpoints',
      missing,
    );
    if (lazy.kind !== 'timer') throw new Error('expected timer');
    await expect(
      lazy.handler({ isPastDue: false, scheduleStatus: {} } as never, contextOf('probeEndpoints').context),
    ).rejects.toMatchObject({ code: 'implementation_unavailable' });
  });

  it('refuses a file that does not export the registered function', async () => {
    const other: FunctionDefinition = { ...me, name: 'other' };
    const lazy = lazyFunction(registrationOf(me), 'functions/me', async () => ({ other }));
    if (lazy.kind !== 'http') throw new Error('expected http');
    const response = await lazy.handler(request(), contextOf('me').context);
    expect(response.status).toBe(500);
  });
});

describe('lazyFunction redacts every log line of an invocation', () => {
  it('a configured secret logged by the implementation (or an SDK error it quotes) reaches the log as [redacted]', async () => {
    const key = 'c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==';
    const saved = process.env.AzureWebJobsStorage;
    process.env.AzureWebJobsStorage = `DefaultEndpointsProtocol=https;AccountName=st01;AccountKey=${key}`;
    try {
      const leaky: FunctionDefinition = {
        ...me,
        handler: async (_request: HttpRequest, context: InvocationContext) => {
          context.warn(`storage said: signature did not match, key ${key}`);
          context.error('url-encoded', encodeURIComponent(key), { detail: key });
          return { status: 204 };
        },
      };
      const lazy = lazyFunction(registrationOf(me), 'functions/me', async () => ({ me: leaky }));
      if (lazy.kind !== 'http') throw new Error('expected http');
      const { context, lines } = contextOf('me');
      await lazy.handler(request(), context);
      expect(lines).toHaveLength(2);
      expect(lines.join('\n')).toContain('[redacted]');
      expect(lines.join('\n')).not.toContain(key.slice(0, 20));
      expect(lines.join('\n')).not.toContain(encodeURIComponent(key).slice(0, 20));
    } finally {
      if (saved === undefined) delete process.env.AzureWebJobsStorage;
      else process.env.AzureWebJobsStorage = saved;
    }
  });
});
