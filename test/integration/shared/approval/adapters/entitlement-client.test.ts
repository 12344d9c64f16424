import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEntitlementClient } from '../../../../../shared/approval/adapters/entitlement-client';
import type { EntitlementSubject } from '../../../../../shared/approval/core/entitlement';
import {
  ENTITLEMENT_SIGNATURE_HEADER,
  ENTITLEMENT_TIMESTAMP_HEADER,
  verifyEntitlementSignature,
} from '../../../../../shared/approval/core/entitlement-signature';
import { systemClock } from '../../../../../shared/clock';

/*
 * The entitlement client against real HTTP servers on 127.0.0.1: what the provider's system sees
 * (a signature it can verify), and every way the system can fail to answer, each ending as a
 * failed fact (the policy then leaves the connection for a person). No timing assertions: a slow
 * server is slower than the timeout by a wide margin, and the outcome is what is checked.
 */

const SECRET = 'lab-entitlement-secret-0123456789abcdef';

const SUBJECT: EntitlementSubject = {
  connectionId:
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-saas/privateEndpointConnections/pe-northwind.1',
  connectionName: 'pe-northwind.1',
  plsId:
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-saas',
  plsName: 'pls-saas',
  consumerTenantId: 'cccccccc-0000-0000-0000-000000000003',
  consumerSubscriptionId: '33333333-3333-3333-3333-333333333333',
  privateEndpointId:
    '/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-nw/providers/Microsoft.Network/privateEndpoints/pe-northwind',
  privateEndpointName: 'pe-northwind',
  privateEndpointResourceGroup: 'rg-nw',
  privateEndpointLocation: 'westeurope',
  requestMessage: 'Northwind onboarding',
};

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Handler = (received: Received, res: ServerResponse, n: number) => void;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<{ url: URL; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      handler(r, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/entitlement`), received };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

function client(url: URL, overrides: { timeoutMs?: number; secret?: string } = {}) {
  return createEntitlementClient({
    url,
    secret: overrides.secret ?? SECRET,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    clock: systemClock,
    retryBaseMs: 5,
  });
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const never = new AbortController().signal;

describe('entitlement client (real local HTTP servers)', () => {
  it('signs each request so the provider can verify it; a wrong secret does not verify', async () => {
    const { url, received } = await serve((_, res) =>
      json(res, 200, { decision: 'approve', customer: 'Northwind Traders' }),
    );
    const fact = await client(url).ask(SUBJECT, never);
    expect(fact).toMatchObject({ outcome: 'answered', decision: 'approve', customer: 'Northwind Traders' });

    const request = received[0] as Received;
    const headers = {
      timestamp: request.headers[ENTITLEMENT_TIMESTAMP_HEADER] as string | undefined,
      signature: request.headers[ENTITLEMENT_SIGNATURE_HEADER] as string | undefined,
    };
    const now = Math.floor(Date.now() / 1000);
    expect(verifyEntitlementSignature(SECRET, headers, request.body, now)).toEqual({ ok: true });
    expect(verifyEntitlementSignature(`${SECRET}x`, headers, request.body, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    // The timestamp is inside the MAC: the same signature under another (fresh) timestamp fails.
    expect(
      verifyEntitlementSignature(
        SECRET,
        { ...headers, timestamp: String(Number(headers.timestamp) + 1) },
        request.body,
        now,
      ),
    ).toEqual({ ok: false, reason: 'mismatch' });
    // A changed body or a stale timestamp does not verify either.
    expect(
      verifyEntitlementSignature(SECRET, headers, request.body.replace('pe-northwind', 'pe-other'), now).ok,
    ).toBe(false);
    expect(verifyEntitlementSignature(SECRET, headers, request.body, now + 3600)).toEqual({
      ok: false,
      reason: 'stale',
    });
    // The body carries the connection's facts, the secret is nowhere in what was sent.
    expect(JSON.parse(request.body)).toMatchObject({
      version: 1,
      connectionId: SUBJECT.connectionId,
      privateLinkService: { name: 'pls-saas' },
      consumer: { tenantId: SUBJECT.consumerTenantId, subscriptionId: SUBJECT.consumerSubscriptionId },
      privateEndpoint: { name: 'pe-northwind' },
      requestMessage: 'Northwind onboarding',
    });
    expect(JSON.stringify(request)).not.toContain(SECRET);
  });

  it('a slow system is a timeout (not retried), never an answer', async () => {
    const { url, received } = await serve((_, res) => {
      setTimeout(() => json(res, 200, { decision: 'approve', customer: 'Late Ltd' }), 5_000).unref();
    });
    const fact = await client(url, { timeoutMs: 300 }).ask(SUBJECT, never);
    expect(fact).toMatchObject({ outcome: 'failed', failure: 'timeout' });
    expect(received).toHaveLength(1);
  });

  it('a system that is down is unreachable after the retries', async () => {
    const { url } = await serve(() => undefined);
    const down = servers.pop() as Server;
    await new Promise((resolve) => down.close(resolve));
    const fact = await client(url).ask(SUBJECT, never);
    expect(fact).toMatchObject({ outcome: 'failed', failure: 'unreachable' });
    expect(fact.outcome === 'failed' && fact.detail).toContain('ECONNREFUSED');
  });

  it.each([
    ['not JSON', 'approve please', 'not JSON'],
    ['an unknown decision', { decision: 'yes', customer: 'X' }, 'decision'],
    ['an approval without a customer', { decision: 'approve' }, 'customer'],
    [
      'a description longer than ARM allows',
      { decision: 'approve', customer: 'X', description: 'd'.repeat(141) },
      'description',
    ],
    ['a control character in the customer', { decision: 'approve', customer: 'Evil\u202eCorp' }, 'customer'],
    [
      'an end in the past',
      { decision: 'approve', customer: 'X', approvalEndsAt: '2001-01-01T00:00:00Z' },
      'approvalEndsAt',
    ],
    ['an unknown field', { decision: 'approve', customer: 'X', admin: true }, 'answer'],
    [
      'the signing secret repeated',
      { decision: 'approve', customer: 'X', description: `key ${SECRET}` },
      'secret',
    ],
  ])('a malformed answer (%s) is a failure with the reason', async (_, body, reasonPart) => {
    const { url } = await serve((_r, res) => json(res, 200, body));
    const fact = await client(url).ask(SUBJECT, never);
    expect(fact).toMatchObject({ outcome: 'failed', failure: 'malformed' });
    expect(fact.outcome === 'failed' && fact.detail).toContain(reasonPart);
    // The reason names the problem, never the answer's values.
    if (fact.outcome === 'failed') expect(fact.detail).not.toContain(SECRET);
  });

  it('an answer larger than the cap is refused', async () => {
    const { url } = await serve((_r, res) =>
      json(res, 200, { decision: 'approve', customer: 'X', padding: 'p'.repeat(64 * 1024) }),
    );
    expect(await client(url).ask(SUBJECT, never)).toMatchObject({ outcome: 'failed', failure: 'too_large' });
  });

  it('a 503 then a 500 then an answer: the retries get the answer', async () => {
    const { url, received } = await serve((_r, res, n) =>
      n === 1 ? json(res, 503, {}) : n === 2 ? json(res, 500, {}) : json(res, 200, { decision: 'reject' }),
    );
    expect(await client(url).ask(SUBJECT, never)).toMatchObject({ outcome: 'answered', decision: 'reject' });
    expect(received).toHaveLength(3);
    // Each attempt is signed afresh.
    for (const r of received)
      expect(
        verifyEntitlementSignature(
          SECRET,
          {
            timestamp: r.headers[ENTITLEMENT_TIMESTAMP_HEADER] as string,
            signature: r.headers[ENTITLEMENT_SIGNATURE_HEADER] as string,
          },
          r.body,
          Math.floor(Date.now() / 1000),
        ).ok,
      ).toBe(true);
  });

  it('5xx on every attempt ends as a failure after three attempts; a 4xx is not retried', async () => {
    const failing = await serve((_r, res) => json(res, 502, {}));
    expect(await client(failing.url).ask(SUBJECT, never)).toMatchObject({
      outcome: 'failed',
      failure: 'http_status',
    });
    expect(failing.received).toHaveLength(3);
    const refusing = await serve((_r, res) => json(res, 401, {}));
    expect(await client(refusing.url).ask(SUBJECT, never)).toMatchObject({ failure: 'http_status' });
    expect(refusing.received).toHaveLength(1);
  });

  it('keeps at most maxInFlight calls open at once, however many are asked', async () => {
    let open = 0;
    let most = 0;
    const { url, received } = await serve((_r, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        json(res, 200, { decision: 'manual' });
      }, 20).unref();
    });
    const limited = createEntitlementClient({
      url,
      secret: SECRET,
      timeoutMs: 5_000,
      clock: systemClock,
      maxInFlight: 3,
    });
    const facts = await Promise.all(Array.from({ length: 12 }, () => limited.ask(SUBJECT, never)));
    expect(facts.every((f) => f.outcome === 'answered')).toBe(true);
    expect(received).toHaveLength(12);
    expect(most).toBe(3);
  });

  it("stops at once when the run's budget ends", async () => {
    const { url } = await serve((_r, res) => {
      setTimeout(() => json(res, 200, { decision: 'approve', customer: 'X' }), 5_000).unref();
    });
    const budget = new AbortController();
    const asking = client(url, { timeoutMs: 10_000 }).ask(SUBJECT, budget.signal);
    setTimeout(() => budget.abort(), 100).unref();
    expect(await asking).toMatchObject({ outcome: 'failed', failure: 'run_budget_exhausted' });
  });
});
