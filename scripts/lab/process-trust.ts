import * as tls from 'node:tls';

/** Node's TLS API from 22.19 / 24.5 on (the types in use may predate it). */
interface DefaultCaApi {
  readonly setDefaultCACertificates?: (certs: readonly string[]) => void;
  readonly getCACertificates?: (type?: 'default' | 'system' | 'bundled' | 'extra') => string[];
}

export type TrustResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Adds a CA to the certificates every TLS client of this process trusts by default (those that name
 * no CA of their own), keeping the current ones: `tls.setDefaultCACertificates` replaces the list, so
 * the defaults are read first (Node.js TLS docs, "tls.setDefaultCACertificates(certs)"; Node 22.19 and
 * 24.5). It applies to connections opened afterwards, so call it before the first one. Older Node has
 * no such call; the result says so instead of failing.
 */
export function trustForThisProcess(caPem: string, api: DefaultCaApi = tls as DefaultCaApi): TrustResult {
  if (api.setDefaultCACertificates === undefined || api.getCACertificates === undefined)
    return {
      ok: false,
      reason: `Node ${process.versions.node} cannot add a CA to a running process; Node 22.19 or later can`,
    };
  api.setDefaultCACertificates([...api.getCACertificates('default'), caPem]);
  return { ok: true };
}
