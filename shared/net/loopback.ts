/** One decimal octet, 0-255, without leading zeros (what an IPv4 literal in a URL looks like). */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LOOPBACK_V4 = new RegExp(`^127(?:\\.${OCTET}){3}$`);

/**
 * True for names and addresses that can only mean this machine. Used to allow plain http and test
 * traffic. Pure string work (no `node:net`), so configuration parsing in core code can use it.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost') return true;
  if (LOOPBACK_V4.test(host)) return true;
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}
