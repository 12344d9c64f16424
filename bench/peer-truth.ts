/**
 * curl as the reference for bench:probe-peer, without its own set-up in the figure. curl's first
 * connection in a process pays for loading its CA file and building its OpenSSL context inside the
 * TLS phase (3-5 ms here, more than the handshake itself), so its first transfer is no truth for
 * the handshake. One curl process therefore makes two transfers: first the 0 ms URL (the set-up
 * transfer), then the measured URL. `Connection: close` makes the server close the first
 * connection, so the second transfer opens a NEW one, and `--no-sessionid` keeps TLS from resuming
 * the first session: the second transfer is a full TCP connect and full handshake by a process that
 * is already set up. `%{num_connects}` per transfer proves it (1 = a new connection was made); a
 * sample whose second transfer reused a connection is refused.
 *
 * Why the set-up transfer is the 0 ms URL and not the measured one: after a first transfer that
 * waited 50-200 ms on the server, curl's second handshake read 2.5-5 ms instead of 1.3-1.8 ms in a
 * check on this machine (the same URL twice), a cost of the wait, not of the handshake. The first
 * transfer's own figures are kept as `curl1` (at 0 ms), the inflated truth earlier runs used.
 */
export interface CurlTransfer {
  /** Connections curl made for this transfer (1 = a fresh one, 0 = reused). */
  readonly numConnects: number;
  /** Milliseconds from the transfer's start. */
  readonly connect: number;
  /** TLS handshake alone (appconnect − connect); null for http. */
  readonly tls: number | null;
  readonly ttfb: number;
  readonly total: number;
}

/** One line per transfer: num_connects, then curl's cumulative times in seconds. */
export const CURL_WRITE_OUT =
  '%{num_connects} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}\\n';

/** The arguments for one sample: `setupUrl` then `url` in one process, each on a new connection. */
export function curlPairArgs(setupUrl: string, url: string, caFile: string): string[] {
  return [
    '-s',
    '--no-sessionid',
    '--cacert',
    caFile,
    '-H',
    'Connection: close',
    '-w',
    CURL_WRITE_OUT,
    '-o',
    '/dev/null',
    setupUrl,
    '-o',
    '/dev/null',
    url,
  ];
}

export function parseCurlTransfer(line: string, https: boolean): CurlTransfer {
  const fields = line.trim().split(/\s+/);
  const numbers = fields.map(Number);
  if (fields.length !== 5 || numbers.some((n) => !Number.isFinite(n)))
    throw new Error(`curl's write-out is not five numbers: ${JSON.stringify(line)}`);
  const [numConnects, connect, appconnect, start, total] = numbers as [
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    numConnects,
    connect: connect * 1000,
    tls: https ? (appconnect - connect) * 1000 : null,
    ttfb: start * 1000,
    total: total * 1000,
  };
}

/**
 * Both transfers of one sample. Throws when there are not exactly two, or when the second did not
 * open a connection of its own (its figures would then leave out the connect and the handshake).
 */
export function parseCurlPair(stdout: string, https: boolean): { first: CurlTransfer; second: CurlTransfer } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 2) throw new Error(`expected two transfers from curl, got ${lines.length}`);
  const first = parseCurlTransfer(lines[0] ?? '', https);
  const second = parseCurlTransfer(lines[1] ?? '', https);
  if (second.numConnects !== 1)
    throw new Error(`curl's second transfer made ${second.numConnects} connections, not a new one`);
  return { first, second };
}
