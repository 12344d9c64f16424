import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import {
  healthWithoutImplementation,
  implementationFailures,
  loadImplementation,
} from '../../../../shared/host/load-implementation';

function contextOf(functionName: string) {
  const lines: { level: string; message: string }[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: 'test',
    logHandler: (level, ...args) => lines.push({ level, message: args.join(' ') }),
  });
  return { context, lines };
}

describe('loadImplementation', () => {
  const file = 'shared/no-such/implementation';

  it('names function, file and error in the AppError, one log line and the health list', async () => {
    const { context, lines } = contextOf('approveConnection');
    const failed = loadImplementation(context, file, () => import(`../../../../${file}`));
    const error = (await failed.catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('implementation_unavailable');
    expect(error.status).toBe(500);
    expect(error.message).toContain('approveConnection');
    expect(error.message).toContain(`${file} (chunks/shared.no-such.implementation.mjs in the package)`);
    // The loader's text (absolute paths) stays out of what an HTTP caller reads.
    expect(error.message).not.toContain(__dirname);

    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('error');
    expect(JSON.parse(lines[0]?.message ?? '{}')).toMatchObject({
      event: 'function.implementation_unavailable',
      function: 'approveConnection',
      file,
      bundleFile: 'chunks/shared.no-such.implementation.mjs',
      error: expect.stringMatching(/^ERR_MODULE_NOT_FOUND: .*no-such/),
    });

    const [recorded] = implementationFailures().filter((f) => f.file === file);
    expect(recorded).toMatchObject({ functionName: 'approveConnection', file });
    expect(recorded?.error).toMatch(/^ERR_MODULE_NOT_FOUND: /);
    expect(recorded?.error).not.toContain('/');

    // Health answers from the list alone (its own chunk may be the missing one).
    expect(healthWithoutImplementation().features).toMatchObject({
      functions: {
        state: 'invalid',
        problem: { issues: [{ path: 'approveConnection', message: expect.stringContaining(file) }] },
      },
    });
  });

  it('forgets a failure once the same file loads, and passes the module through', async () => {
    const { context } = contextOf('approveConnection');
    const loaded = await loadImplementation(context, file, async () => ({ answer: 42 }));
    expect(loaded.answer).toBe(42);
    expect(implementationFailures().filter((f) => f.file === file)).toEqual([]);
  });

  it('reports an implementation that throws while it evaluates, by its error name', async () => {
    const { context } = contextOf('probeEndpoints');
    const other = 'shared/probe/broken';
    await expect(
      loadImplementation(context, other, async () => {
        throw new TypeError('n is not a constructor');
      }),
    ).rejects.toMatchObject({ code: 'implementation_unavailable' });
    expect(implementationFailures().find((f) => f.file === other)?.error).toBe(
      'TypeError: n is not a constructor',
    );
  });
});
