/*
 * DNS through a named server (node:dns Resolver with setServers) rather than getaddrinfo: what a
 * client in the consumer's network would be told by Azure's 168.63.129.16, a Private Resolver
 * inbound endpoint or an on-premises server. One Resolver per query, so a timed-out query can be
 * cancelled without touching any other, and one try with a bounded timeout: the attempt's own
 * deadline still decides.
 */
import { lookup, Resolver } from 'node:dns/promises';
import type { DnsRecordType, NamedResolver } from '../core/types';

export interface DnsQuery {
  readonly answers: Promise<string[]>;
  /** Ends the query (its promise then rejects with ECANCELLED); harmless once it has answered. */
  cancel(): void;
}

/** `[::1]:53` or `10.0.0.4:53`: the form setServers reads (Node's dns docs, resolver.setServers). */
export function serverAddress(resolver: NamedResolver): string {
  return resolver.address.includes(':')
    ? `[${resolver.address}]:${resolver.port}`
    : `${resolver.address}:${resolver.port}`;
}

function resolverFor(server: NamedResolver | undefined, timeoutMs: number): Resolver {
  // `timeout` is c-ares' first-try timeout; with one try it bounds the query (Node's dns docs,
  // new Resolver([options])). Without a server the Resolver asks the system's configured servers.
  const resolver = new Resolver({ timeout: Math.max(1, timeoutMs), tries: 1 });
  if (server !== undefined) resolver.setServers([serverAddress(server)]);
  return resolver;
}

/** One record type's answers as text (TXT: each record's strings joined, as RFC 7208 §3.3 reads them). */
export function queryRecords(
  server: NamedResolver | undefined,
  name: string,
  type: DnsRecordType,
  timeoutMs: number,
): DnsQuery {
  const resolver = resolverFor(server, timeoutMs);
  const answers = ((): Promise<string[]> => {
    switch (type) {
      case 'A':
        return resolver.resolve4(name);
      case 'AAAA':
        return resolver.resolve6(name);
      case 'CNAME':
        return resolver.resolveCname(name);
      case 'TXT':
        return resolver.resolveTxt(name).then((records) => records.map((chunks) => chunks.join('')));
    }
  })();
  return { answers, cancel: () => resolver.cancel() };
}

/**
 * The addresses a host resolves to: through the named server (A, then AAAA when the name has no
 * A record), or, without one, getaddrinfo's first answer as Node itself would connect.
 */
export function resolveHost(server: NamedResolver | undefined, host: string, timeoutMs: number): DnsQuery {
  if (server === undefined) {
    return { answers: lookup(host).then((a) => [a.address]), cancel: () => undefined };
  }
  let current = queryRecords(server, host, 'A', timeoutMs);
  const answers = current.answers.catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'ENODATA') throw error;
    current = queryRecords(server, host, 'AAAA', timeoutMs);
    return current.answers;
  });
  return { answers, cancel: () => current.cancel() };
}
