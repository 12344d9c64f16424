import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type IisStandIn, startIisStandIn } from '../../../../emulators/iis/iis-stand-in';
import { probeHttpTarget } from '../../../../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../../../../shared/probe/adapters/targets';
import type { ProbeResult, ProbeTarget } from '../../../../shared/probe/core/types';

let standIn: IisStandIn | undefined;

afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
});

/** The shipped sample target, pointed at this stand-in's port (the sample says 8080). */
async function sampleTarget(url: string): Promise<ProbeTarget> {
  const text = await readFile(join(__dirname, '../../../../probe-targets.sample.yaml'), 'utf8');
  const [target] = parseProbeTargets(
    text.replace('http://127.0.0.1:8080/', url),
    'probe-targets.sample.yaml',
  );
  if (target === undefined) throw new Error('the sample has no target');
  return { ...target, retries: 0, timeouts: { connectMs: 300, firstByteMs: 300, totalMs: 1000 } };
}

function probe(target: ProbeTarget): Promise<ProbeResult> {
  return probeHttpTarget(target, { scheduledAt: new Date(), signal: new AbortController().signal });
}

describe('IIS stand-in', () => {
  it('answers / like an IIS 10 default site, so the sample target is UP', async () => {
    standIn = await startIisStandIn({ port: 0 });
    const response = await fetch(standIn.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('server')).toBe('Microsoft-IIS/10.0');
    expect(response.headers.get('x-powered-by')).toBe('ASP.NET');
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toMatch(/<title>IIS Windows Server<\/title>/);
    const result = await probe(await sampleTarget(standIn.url));
    expect(result.status).toBe('UP');
    expect(result.final.serverHeader).toBe('Microsoft-IIS/10.0');
  });

  it('answers 404 with IIS headers for other paths, and HEAD without a body', async () => {
    standIn = await startIisStandIn({ port: 0 });
    const missing = await fetch(new URL('/nothing-here', standIn.url));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('server')).toBe('Microsoft-IIS/10.0');
    expect(await missing.text()).toContain('404 - File or directory not found.');
    const head = await fetch(standIn.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('switches between the failure modes the probe must tell apart', async () => {
    standIn = await startIisStandIn({ port: 0, slowMs: 120 });
    const target = await sampleTarget(standIn.url);

    await standIn.setMode('error');
    const error = await probe(target);
    expect(error.final.failure).toMatchObject({ class: 'HTTP_STATUS', code: 'HTTP_503' });
    expect(error.final.serverHeader).toBe('Microsoft-HTTPAPI/2.0');

    await standIn.setMode('down');
    expect((await probe(target)).final.failure?.class).toBe('TCP_REFUSED');

    await standIn.setMode('slow');
    const slow = await probe({ ...target, latencySloMs: 100 });
    expect(slow.status).toBe('DEGRADED');
    expect(slow.final.timings.ttfbMs).toBeGreaterThanOrEqual(115);

    await standIn.setHealthy(true);
    expect(standIn.mode).toBe('up');
    expect((await probe(target)).status).toBe('UP');
  });
});
