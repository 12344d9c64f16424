/*
 * One tcp attempt: resolve (through the named resolver when the target has one), open one fresh
 * TCP connection, optionally read the banner the server sends first, judge it. The same deadlines
 * and first-failure-wins rule as the http attempt; phases that do not apply (TLS, transfer) stay
 * null, so a tcp result is stored and summarised like any other.
 */
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { classifyError, PROBE_CODES, ProbeAbort } from '../core/classify-failure';
import { describeAnswers, dnsMismatch, ipAnswersMatch, sameIp } from '../core/dns-match';
import type { ProbeAttempt, ProbeFailure, ProbePhase, ProbeTarget } from '../core/types';
import { AttemptTimers } from './attempt-timers';
import { type AttemptInput, redactorFor } from './http-attempt';
import { resolveHost, serverAddress } from './named-resolver';

/** A tcp target's URL is `tcp://host:port` (built by the targets loader). */
function hostAndPort(target: ProbeTarget): { host: string; port: number } {
  return { host: target.url.hostname.replace(/^\[|\]$/g, ''), port: Number(target.url.port) };
}

export async function runTcpAttempt(input: AttemptInput): Promise<ProbeAttempt> {
  return new TcpAttempt(input).run();
}

class TcpAttempt {
  private readonly target: ProbeTarget;
  private readonly startedAt = new Date();
  private readonly createdAt = performance.now();
  private readonly timers = new AttemptTimers();
  private phase: ProbePhase = 'dns';
  private failure: ProbeFailure | null = null;
  private wake: (() => void) | null = null;
  private socket: Socket | null = null;
  private dnsStart: number | null = null;
  private dnsEnd: number | null = null;
  private tcpStart: number | null = null;
  private tcpEnd: number | null = null;
  private firstByte: number | null = null;
  private end: number | null = null;
  private resolvedIp: string | null = null;
  private dnsAnswers: readonly string[] | undefined;
  private banner: Buffer = Buffer.alloc(0);

  constructor(private readonly input: AttemptInput) {
    this.target = input.target;
  }

  async run(): Promise<ProbeAttempt> {
    this.timers.armDeadlines(this.input.signal, this.target.timeouts.totalMs, (code, message) =>
      this.fail(code, 'DEADLINE', message),
    );
    try {
      const ip = await this.resolve();
      if (ip !== null && this.failure === null) await this.connect(ip);
      if (this.failure === null && this.target.tcp?.banner !== undefined) await this.readBanner();
      if (this.failure === null) this.judgeBanner();
    } catch (error) {
      this.noteError(error);
    } finally {
      this.end ??= performance.now();
      this.timers.clearAll();
      this.socket?.destroy();
    }
    return this.result();
  }

  /** Waits for `start` to call its `done`, or for a failure to end the attempt (then `wake` ends the wait). */
  private waitFor<T>(start: (done: (value: T) => void) => void): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      this.wake = () => resolve(undefined);
      start(resolve);
    });
  }

  private async resolve(): Promise<string | null> {
    const { host } = hostAndPort(this.target);
    if (isIP(host) !== 0) {
      this.resolvedIp = host;
      return host;
    }
    const { connectMs } = this.target.timeouts;
    const named = this.target.resolver;
    this.dnsStart = performance.now();
    const timer = this.timers.start(connectMs, () =>
      this.fail(PROBE_CODES.dnsTimeout, 'DNS', `${host} did not resolve within connectMs (${connectMs} ms)`),
    );
    const query = resolveHost(named, host, connectMs);
    let answers: string[] | undefined;
    try {
      answers = await this.waitFor<string[]>((done) => {
        query.answers.then(done, (error: unknown) => {
          this.noteError(error);
          this.wake?.();
        });
      });
    } finally {
      // The resolver's own answer (NXDOMAIN, refused) has a duration; our deadline cutting it short has none.
      if (this.end === null) this.dnsEnd = performance.now();
      this.timers.clear(timer);
      query.cancel();
    }
    if (answers === undefined) return null;
    if (named !== undefined) this.dnsAnswers = answers;
    this.resolvedIp = answers[0] ?? null;
    const expectedIp = this.target.expectedIp;
    if (named !== undefined && expectedIp !== undefined && !ipAnswersMatch(expectedIp, answers)) {
      // Connecting to the address a named resolver gave instead would test the wrong path.
      this.failure = dnsMismatch(
        'dns',
        `${host} resolved to ${describeAnswers(answers)} through ${serverAddress(named)}, expected ${expectedIp}`,
      );
      return null;
    }
    return this.resolvedIp;
  }

  private async connect(ip: string): Promise<void> {
    const { port } = hostAndPort(this.target);
    const { connectMs } = this.target.timeouts;
    this.phase = 'tcp';
    const timer = this.timers.start(connectMs, () =>
      this.fail(
        PROBE_CODES.connectTimeout,
        'TCP_TIMEOUT',
        `the TCP connection did not complete within connectMs (${connectMs} ms)`,
      ),
    );
    this.tcpStart = performance.now();
    await this.waitFor<true>((done) => {
      const socket = tcpConnect({ host: ip, port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.tcpEnd = performance.now();
        done(true);
      });
      socket.on('error', (error: Error) => {
        this.noteError(error);
        this.wake?.();
      });
      // Bytes that arrive before the banner read starts are kept, not lost.
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.once('end', () => this.wake?.());
    });
    this.timers.clear(timer);
  }

  private onData(chunk: Buffer): void {
    const banner = this.target.tcp?.banner;
    if (banner === undefined) return;
    this.firstByte ??= performance.now();
    const room = banner.maxBytes - this.banner.length;
    if (room > 0) this.banner = Buffer.concat([this.banner, chunk.subarray(0, room)]);
    if (this.bannerComplete(banner.maxBytes)) this.wake?.();
  }

  /** Greeting protocols (SSH, SMTP, FTP, POP3, IMAP) end their banner with a line end (RFC 4253 §4.2, RFC 5321 §4.2). */
  private bannerComplete(maxBytes: number): boolean {
    return this.banner.length >= maxBytes || this.banner.includes(0x0a);
  }

  /**
   * Reads until the first line end, maxBytes, the server's end of stream, or waitMs: a silent
   * server is no failure unless a banner is expected.
   */
  private async readBanner(): Promise<void> {
    const banner = this.target.tcp?.banner;
    if (banner === undefined) return;
    this.phase = 'ttfb';
    if (this.bannerComplete(banner.maxBytes) || this.socket?.readableEnded === true) return;
    const timer = this.timers.start(banner.waitMs, () => this.wake?.());
    await this.waitFor<true>(() => undefined);
    this.timers.clear(timer);
  }

  private judgeBanner(): void {
    const expect = this.target.tcp?.banner?.expect;
    if (expect === undefined) return;
    this.phase = 'assertions';
    const text = this.bannerText();
    if (text === '') {
      this.failure = {
        class: 'ASSERTION',
        phase: 'assertions',
        code: 'BANNER_MISSING',
        message: `no banner within ${this.target.tcp?.banner?.waitMs} ms (expected ${expect})`,
      };
    } else if (!expect.test(text)) {
      this.failure = {
        class: 'ASSERTION',
        phase: 'assertions',
        code: 'BANNER_MISMATCH',
        message: `banner ${JSON.stringify(text.slice(0, 200))} does not match ${expect}`,
      };
    }
  }

  /** latin1: a banner is protocol text, and every byte stays one character whatever it is. */
  private bannerText(): string {
    return this.banner.toString('latin1');
  }

  private fail(code: string, klass: ProbeFailure['class'], message: string): void {
    if (this.failure !== null || this.end !== null) return;
    this.failure = { class: klass, phase: this.phase, code, message };
    this.end = performance.now();
    this.socket?.destroy(new ProbeAbort(this.failure));
    this.wake?.();
  }

  private noteError(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error instanceof ProbeAbort ? error.failure : classifyError(error, this.phase);
  }

  private result(): ProbeAttempt {
    const end = this.end ?? performance.now();
    const t0 = this.dnsStart ?? this.tcpStart ?? this.createdAt;
    const span = (from: number | null, to: number | null) =>
      from === null || to === null ? null : Math.round((to - from) * 1000) / 1000;
    const expectedIp = this.target.expectedIp;
    const clean = redactorFor(this.target);
    const read = this.target.tcp?.banner !== undefined && this.tcpEnd !== null;
    return {
      attempt: this.input.attempt,
      startedAt: this.startedAt.toISOString(),
      timings: {
        dnsMs: span(this.dnsStart, this.dnsEnd),
        tcpMs: span(this.tcpStart, this.tcpEnd),
        tlsMs: null,
        // Connected → first banner byte: the server's time to greet.
        ttfbMs: span(this.tcpEnd, this.firstByte),
        transferMs: null,
        totalMs: Math.round((end - t0) * 1000) / 1000,
        firstByteAtMs: span(t0, this.firstByte),
      },
      resolvedIp: this.resolvedIp,
      expectedIpMatches:
        expectedIp === undefined || this.resolvedIp === null ? null : sameIp(expectedIp, this.resolvedIp),
      localAddress: this.socket?.localAddress ?? null,
      localPort: this.socket?.localPort ?? null,
      httpVersion: null,
      statusCode: null,
      serverHeader: null,
      bodyBytes: null,
      bodySha256: null,
      bodyExcerpt: null,
      tls: null,
      failure: this.failure === null ? null : { ...this.failure, message: clean(this.failure.message) },
      ...(this.dnsAnswers === undefined ? {} : { dnsAnswers: this.dnsAnswers }),
      ...(read ? { banner: clean(this.bannerText()) } : {}),
    };
  }
}
