/*
 * The pure parts of bench:probe-peer: reading curl's per-transfer write-out (the truth is its
 * second connection, which must be a new one), the median and slope arithmetic the offsets and
 * their growth with delay are reported with, and the choice of measured runtimes (Node 20 is
 * refused). No timings are asserted: the bench measures, the tests check its arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { checkedRuntimes, majorOf, nodeListArgument } from '../../../bench/peer-runtime';
import { CURL_WRITE_OUT, curlPairArgs, parseCurlPair, parseCurlTransfer } from '../../../bench/peer-truth';
import { median, slope } from '../../../bench/stats';

describe("curl's per-transfer write-out", () => {
  it('reads both transfers in milliseconds; tls is appconnect − connect on https only', () => {
    const out = '1 0.000205 0.006928 0.016191 0.016270\n1 0.000100 0.003800 0.004423 0.004470\n';
    const { first, second } = parseCurlPair(out, true);
    expect(first.numConnects).toBe(1);
    expect(first.tls).toBeCloseTo(6.723, 6);
    expect(second.connect).toBeCloseTo(0.1, 6);
    expect(second.tls).toBeCloseTo(3.7, 6);
    expect(second.ttfb).toBeCloseTo(4.423, 6);
    expect(second.total).toBeCloseTo(4.47, 6);
    expect(parseCurlPair(out, false).second.tls).toBeNull();
  });

  it('refuses a second transfer that reused the first connection (num_connects 0)', () => {
    const reused = '1 0.000205 0.006928 0.016191 0.016270\n0 0.000000 0.000000 0.000900 0.000950\n';
    expect(() => parseCurlPair(reused, true)).toThrow(/not a new one/);
  });

  it('refuses anything but two lines of five numbers', () => {
    expect(() => parseCurlPair('1 0.1 0.2 0.3 0.4\n', false)).toThrow(/two transfers/);
    expect(() => parseCurlTransfer('1 0.1 x 0.3 0.4', false)).toThrow(/five numbers/);
    expect(() => parseCurlTransfer('1 0.1 0.2 0.3', false)).toThrow(/five numbers/);
  });

  it('asks for the set-up URL, then the measured one, each on a new connection with no TLS session reuse', () => {
    const args = curlPairArgs('https://127.0.0.1:1/delay/0', 'https://127.0.0.1:1/delay/50', '/tmp/ca.pem');
    const urls = args.filter((a) => a.startsWith('https:'));
    expect(urls).toEqual(['https://127.0.0.1:1/delay/0', 'https://127.0.0.1:1/delay/50']);
    expect(args).toContain('--no-sessionid');
    expect(args[args.indexOf('-H') + 1]).toBe('Connection: close');
    expect(args[args.indexOf('-w') + 1]).toBe(CURL_WRITE_OUT);
    expect(CURL_WRITE_OUT.startsWith('%{num_connects} ')).toBe(true);
  });
});

describe('median and slope', () => {
  it('median interpolates between the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('slope is the least-squares growth of y per unit of x', () => {
    const delays = [0, 20, 50, 100, 200];
    expect(slope(delays, [0.3, 0.3, 0.3, 0.3, 0.3])).toBe(0);
    expect(
      slope(
        delays,
        delays.map((d) => 0.1 + d * 0.005),
      ),
    ).toBeCloseTo(0.005, 12);
    expect(slope([0, 0], [1, 2])).toBeNaN();
    expect(slope([1], [1])).toBeNaN();
  });
});

describe('measured runtimes', () => {
  it('refuses Node 20 (and anything but the supported lines)', () => {
    expect(() => checkedRuntimes([{ execPath: '/usr/bin/node', version: 'v20.20.2' }])).toThrow(
      /\/usr\/bin\/node is Node v20\.20\.2/,
    );
    expect(() =>
      checkedRuntimes([
        { execPath: 'a', version: 'v22.23.5' },
        { execPath: 'b', version: 'v23.1.0' },
      ]),
    ).toThrow(/b is Node v23/);
    expect(() => checkedRuntimes([])).toThrow(/no runtime/);
  });

  it('keeps Node 22 and 24, once each', () => {
    const kept = checkedRuntimes([
      { execPath: 'a', version: 'v22.23.5' },
      { execPath: 'b', version: 'v24.22.3' },
      { execPath: 'c', version: 'v22.23.5' },
    ]);
    expect(kept.map((r) => r.execPath)).toEqual(['a', 'b']);
    expect(majorOf('v24.22.3')).toBe(24);
  });

  it('reads --node lists in both spellings', () => {
    expect(nodeListArgument(['40', '--node', '/x/node, 24'])).toEqual(['/x/node', '24']);
    expect(nodeListArgument(['--node=24'])).toEqual(['24']);
    expect(nodeListArgument(['40'])).toBeNull();
  });
});
