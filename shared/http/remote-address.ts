import type { HttpRequest } from '@azure/functions';

/**
 * The caller's socket address, for hosts that know it. An HttpRequest carries no remote address in
 * the Functions programming model, and headers such as X-Forwarded-For are written by whoever sends
 * the request, so they cannot say "this caller is on this machine". The local host (scripts/local-host)
 * records the socket's address here when it builds the request; a key in a WeakMap cannot be set
 * by a client. Where nobody recorded it (the real host), the address is unknown.
 */
const addresses = sharedAddresses();

/**
 * One map per process, found under a registered symbol: the local host serves the deployment package,
 * whose bundle holds its own copy of this module, and the address the host's copy records must be
 * the one the package's copy reads. Only code running in the process can reach it; a client cannot.
 */
function sharedAddresses(): WeakMap<HttpRequest, string> {
  const key = Symbol.for('private-link-gatekeeper.remote-addresses');
  const holder = globalThis as { [key]?: WeakMap<HttpRequest, string> };
  holder[key] ??= new WeakMap<HttpRequest, string>();
  return holder[key];
}

export function rememberRemoteAddress(request: HttpRequest, address: string | undefined): void {
  if (address !== undefined && address !== '') addresses.set(request, address);
}

export function remoteAddressOf(request: HttpRequest): string | undefined {
  return addresses.get(request);
}
