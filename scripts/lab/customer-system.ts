/*
 * The lab's stand-in for the provider's own customer system: a real HTTP server on 127.0.0.1 that
 * the entitlement check asks (ENTITLEMENT_URL). It does what a provider's endpoint must do: refuse
 * a request whose signature does not verify or whose timestamp is stale (401), read the connection's
 * facts, and answer from its table of customers (lab/customers.yaml) by consumer subscription; a
 * subscription it does not know is answered `manual`. Each answer is told in the narrative.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  ENTITLEMENT_SIGNATURE_HEADER,
  ENTITLEMENT_TIMESTAMP_HEADER,
  verifyEntitlementSignature,
} from '../../shared/approval/core/entitlement-signature';
import { loadDocument } from '../../shared/config/document-loader';
import type { Say } from './narrative';

export const DEFAULT_CUSTOMERS = 'lab/customers.yaml';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const customersSchema = z.strictObject({
  version: z.literal(1, { error: 'expected version: 1' }),
  customers: z
    .array(
      z.strictObject({
        subscriptionId: z.string().regex(GUID, 'expected a GUID'),
        customer: z.string().min(1).max(100),
        decision: z.enum(['approve', 'reject', 'manual']),
        description: z.string().min(1).max(140).optional(),
        /** The contract's length: answered as `approvalEndsAt`, this many days from the request (approve only). */
        approvalDays: z.number().int().min(1).max(3650).optional(),
      }),
    )
    .default([]),
});
export type CustomerTable = z.output<typeof customersSchema>;

/** Only what the stand-in reads of the request; the rest of the body is the product's business. */
const requestSchema = z.looseObject({
  connectionName: z.string(),
  consumer: z.looseObject({ subscriptionId: z.string().nullable() }),
  privateEndpoint: z.looseObject({ name: z.string().nullable() }),
});

export interface CustomerSystem {
  readonly url: string;
  /** ENTITLEMENT_SIGNING_KEY for the app: made up per run, never written anywhere but the app's env. */
  readonly secret: string;
  /** Requests answered, and refused for their signature (a test of the lab reads these). */
  readonly stats: () => { readonly answered: number; readonly refused: number };
  stop(): Promise<void>;
}

export async function loadCustomerTable(path: string, baseDir: string): Promise<CustomerTable> {
  return (
    await loadDocument({ kind: 'file', path }, customersSchema, {
      settingName: 'customers',
      baseDir,
      code: 'config_invalid',
    })
  ).value;
}

export async function startCustomerSystem(
  table: CustomerTable,
  say: Say,
  options: { readonly secret?: string } = {},
): Promise<CustomerSystem> {
  // 32 random bytes in base64url: 43 characters, above the app's 32-character minimum.
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  let answered = 0;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || size > 64 * 1024) return reply(400, { error: 'expected a signed POST' });
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const check = verifyEntitlementSignature(
        secret,
        { timestamp: header(ENTITLEMENT_TIMESTAMP_HEADER), signature: header(ENTITLEMENT_SIGNATURE_HEADER) },
        body,
        Math.floor(Date.now() / 1000),
      );
      if (!check.ok) {
        refused++;
        say(`customer system: refused a request (signature ${check.reason})`);
        return reply(401, { error: 'signature' });
      }
      let facts: z.output<typeof requestSchema>;
      try {
        facts = requestSchema.parse(JSON.parse(body));
      } catch {
        return reply(400, { error: 'expected the entitlement request body' });
      }
      answered++;
      const sub = facts.consumer.subscriptionId?.toLowerCase();
      const entry = table.customers.find((c) => c.subscriptionId.toLowerCase() === sub);
      const endpoint = facts.privateEndpoint.name ?? facts.connectionName;
      if (entry === undefined) {
        say(`customer system: ${endpoint} is from no known customer -> manual`);
        return reply(200, { decision: 'manual' });
      }
      say(`customer system: ${endpoint} belongs to ${entry.customer} -> ${entry.decision}`);
      return reply(200, {
        decision: entry.decision,
        customer: entry.customer,
        ...(entry.description === undefined ? {} : { description: entry.description }),
        ...(entry.approvalDays === undefined || entry.decision !== 'approve'
          ? {}
          : { approvalEndsAt: new Date(Date.now() + entry.approvalDays * 86_400_000).toISOString() }),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/entitlement`;
  return {
    url,
    secret,
    stats: () => ({ answered, refused }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
