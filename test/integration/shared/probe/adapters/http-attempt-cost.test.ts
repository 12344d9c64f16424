import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttpTarget } from '../../../../../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../../../../../shared/probe/adapters/targets';
import type { ProbeTarget } from '../../../../../shared/probe/core/types';
import { type ProbeTestServer, startProbeServer, testPki } from '../../../../helpers/probe-servers';

let http: ProbeTestServer;
let https: ProbeTestServer;
let ca: string;
beforeAll(async () => {
  const pki = await testPki();
  ca = pki.ca;
  [http, https] = await Promise.all([startProbeServer(), startProbeServer({ tls: pki.valid })]);
});
afterAll(async () => {
  await Promise.all([http?.close(), https?.close()]);
});

function target(url: string): ProbeTarget {
  const [t] = parseProbeTargets(JSON.stringify([{ id: 't', url, retries: 0, ca }]));
  if (t === undefined) throw new Error('no target');
  return t;
}

/**
 * Every error whose stack gets formatted passes through Error.prepareStackTrace. Node's streams
 * format the stack of the error a socket is destroyed with, so an error built per attempt (undici's
 * InformationalError('reset') or ClientDestroyedError) shows up here; a shared one only once.
 */
async function stacksFormattedDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const original = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    seen.push(`${error.name}: ${error.message}`);
    return `${error.name}: ${error.message}\n${frames.map((f) => `    at ${f}`).join('\n')}`;
  };
  try {
    await work();
  } finally {
    Error.prepareStackTrace = original;
  }
  return seen;
}

describe('cost of a successful attempt', () => {
  it.each(['http', 'https'] as const)('builds no error object per successful %s attempt', async (scheme) => {
    const t = target((scheme === 'http' ? http : https).url('/'));
    const run = async () => {
      const result = await probeHttpTarget(t, {
        scheduledAt: new Date(),
        signal: new AbortController().signal,
      });
      expect(result.status).toBe('UP');
    };
    await run(); // the first attempt in a process may format the shared reason's stack once
    const seen = await stacksFormattedDuring(async () => {
      for (let i = 0; i < 10; i++) await run();
    });
    expect(seen).toEqual([]);
  });
});

describe('certificate reading of an https attempt', () => {
  it("answers Node's host-name check with the leaf alone, never the detailed chain", async () => {
    const proto = TLSSocket.prototype;
    const original = proto.getPeerCertificate;
    const asked: boolean[] = [];
    proto.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
      asked.push(detailed === true);
      return original.call(this, detailed as false);
    } as TLSSocket['getPeerCertificate'];
    try {
      const result = await probeHttpTarget(target(https.url('/')), {
        scheduledAt: new Date(),
        signal: new AbortController().signal,
      });
      expect(result.status).toBe('UP');
      expect(result.final.tls?.subject).toBe('CN=localhost');
    } finally {
      proto.getPeerCertificate = original;
    }
    // One abbreviated read, shared by Node's name check and the attempt's TLS details.
    expect(asked).toEqual([false]);
  });
});
