import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labReaders } from '../../../../scripts/lab/lab-readers';

/** The lab reads what a person reads, over HTTP: here from a real local server answering like the host. */
describe('labReaders', () => {
  const answers = new Map<string, { status: number; body: unknown }>();
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      const answer = answers.get(new URL(request.url ?? '/', 'http://x').pathname) ?? {
        status: 404,
        body: {},
      };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('reads the audit trail and the probe summary, and refuses an error answer', async () => {
    answers.set('/api/decisions', { status: 200, body: { items: [{ kind: 'outcome' }] } });
    answers.set('/api/probes/summary', { status: 403, body: { code: 'forbidden' } });
    const read = labReaders(base);
    expect(await read.decisions()).toEqual({ items: [{ kind: 'outcome' }] });
    await expect(read.probes()).rejects.toThrow('GET /api/probes/summary answered 403');
  });

  it('takes the features of the reader-detail health report, also when unhealthy (503)', async () => {
    answers.set('/api/health', {
      status: 503,
      body: { status: 'unhealthy', features: { approval: { state: 'invalid' } } },
    });
    expect(await labReaders(base).problems()).toEqual({ approval: { state: 'invalid' } });
  });

  it('does not take the anonymous health report for "no problems"', async () => {
    answers.set('/api/health', { status: 200, body: { status: 'healthy', dependencies: [] } });
    await expect(labReaders(base).problems()).rejects.toThrow(/no reader detail/);
  });
});
