/*
 * One attempt: resolve, open one fresh connection, send one request, read the response, judge it.
 * Every deadline is our own timer (undici's fire with ~1 s granularity), and the first failure
 * decided wins: tearing the connection down afterwards cannot overwrite it with a secondary error.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import * as undici from 'undici';
import { type Redactor, redactor } from '../../redact/redact';
import { VERSION } from '../../version';
import { checkAssertions, needsBody } from '../core/assertions';
import { classifyError, PROBE_CODES, ProbeAbort } from '../core/classify-failure';
import { describeAnswers, dnsMismatch, ipAnswersMatch, sameIp } from '../core/dns-match';
import { targetSecrets } from '../core/target-secrets';
import {
  PROBE_PHASES,
  type ProbeAttempt,
  type ProbeFailure,
  type ProbePhase,
  type ProbeTarget,
} from '../core/types';
import { AttemptResponse, type IncomingHttpHeaders } from './attempt-response';
import { AttemptTimers } from './attempt-timers';
import { emptyMarks, phaseTimings } from './attempt-timings';
import { resolveHost, serverAddress } from './named-resolver';
import {
  type ConnectionObservation,
  connectorFor,
  emptyObservation,
  phaseConnector,
} from './phase-connector';

const USER_AGENT = `private-link-gatekeeper-probe/${VERSION}`;

type Undici = typeof undici;

export interface AttemptInput {
  readonly target: ProbeTarget;
  readonly attempt: number;
  /** The run's deadline: when it aborts, the attempt ends as DEADLINE (RUN_DEADLINE). */
  readonly signal: AbortSignal;
}

/** The reason every attempt's client is destroyed with once the attempt is over (see closeConnection). */
const CLOSED_AFTER_ATTEMPT = Object.assign(new Error('the probe attempt is over'), { code: 'PROBE_CLOSED' });

export async function runHttpAttempt(input: AttemptInput): Promise<ProbeAttempt> {
  // undici is imported statically: this module is itself loaded lazily (in the deployed bundle, a
  // chunk loaded on the first probe), so a dynamic import saved nothing at cold start, and in the
  // bundle a dynamic import of a CommonJS package yields a chunk with a default export only
  // (esbuild #3245, #4377): its named exports read as undefined and every probe failed.
  return new HttpAttempt(input, undici).run();
}

class HttpAttempt {
  private readonly target: ProbeTarget;
  private readonly attemptNo: number;
  private readonly runSignal: AbortSignal;
  private readonly startedAt = new Date();
  /** When the attempt was created: its clock if it fails before any network work starts. */
  private readonly createdAt = performance.now();
  private readonly marks = emptyMarks();
  private readonly conn: ConnectionObservation = emptyObservation();
  private readonly response = new AttemptResponse();
  /** Ends whatever the attempt is waiting for (the DNS answer, the exchange) once a failure is decided. */
  private wake: (() => void) | null = null;
  private readonly timers = new AttemptTimers();
  private phase: ProbePhase = 'dns';
  private failure: ProbeFailure | null = null;
  private resolvedIp: string | null = null;
  private dnsAnswers: readonly string[] | undefined;
  private abortRequest: ((error: Error) => void) | null = null;
  private client: Dispatcher | null = null;
  private bodyIdleTimer: NodeJS.Timeout | null = null;

  constructor(
    input: AttemptInput,
    private readonly undici: Undici,
  ) {
    this.target = input.target;
    this.attemptNo = input.attempt;
    this.runSignal = input.signal;
  }

  async run(): Promise<ProbeAttempt> {
    this.timers.armDeadlines(this.runSignal, this.target.timeouts.totalMs, (code, message) =>
      this.fail(code, 'DEADLINE', message),
    );
    try {
      const ip = await this.resolve();
      if (ip !== null && this.failure === null) await this.exchange(ip);
    } catch (error) {
      this.noteError(error);
    } finally {
      this.marks.end ??= performance.now();
      this.timers.clearAll();
      this.closeConnection();
    }
    if (this.failure === null && this.response.statusCode !== null) this.judge();
    return this.result();
  }

  // ── DNS ────────────────────────────────────────────────────────────────────────────────────────

  /** Resolves the host ourselves (getaddrinfo, as Node would) so the DNS phase is measured on its own. */
  private async resolve(): Promise<string | null> {
    const host = this.target.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      this.resolvedIp = host;
      return host;
    }
    this.marks.dnsStart = performance.now();
    const { connectMs } = this.target.timeouts;
    const timer = this.timers.start(connectMs, () =>
      this.fail(PROBE_CODES.dnsTimeout, 'DNS', `${host} did not resolve within connectMs (${connectMs} ms)`),
    );
    const named = this.target.resolver;
    const query = named === undefined ? null : resolveHost(named, host, connectMs);
    let answers: readonly string[] | undefined;
    try {
      const answer = await Promise.race([
        query === null ? lookup(host).then((a) => [a.address]) : query.answers,
        new Promise<undefined>((resolve) => {
          this.wake = () => resolve(undefined);
        }),
      ]);
      if (answer === undefined) return null;
      answers = answer;
      if (query !== null) this.dnsAnswers = answer;
      this.resolvedIp = answer[0] ?? null;
    } finally {
      // Also on failure: how long the resolver took to say NXDOMAIN is part of the diagnosis.
      if (this.failure === null) this.marks.dnsEnd = performance.now();
      this.timers.clear(timer);
      query?.cancel();
    }
    const expectedIp = this.target.expectedIp;
    if (named !== undefined && expectedIp !== undefined && !ipAnswersMatch(expectedIp, answers)) {
      // Through a named resolver the answer is the check itself: connecting to the public address
      // it gave would test the wrong path, so the attempt stops here (fail closed).
      this.failure = dnsMismatch(
        'dns',
        `${host} resolved to ${describeAnswers(answers)} through ${serverAddress(named)}, expected ${expectedIp}`,
      );
      this.marks.end = performance.now();
      return null;
    }
    return this.resolvedIp;
  }

  // ── TCP, TLS, request and response ────────────────────────────────────────────────────────────

  private async exchange(ip: string): Promise<void> {
    const { Client } = this.undici;
    const target = this.target;
    const connect = phaseConnector({
      // No TLS session resumption: every attempt pays (and measures) a full handshake. Our own
      // timer bounds the connect; the phase connector takes the certificate verdict (fail closed).
      base: connectorFor(target),
      ip,
      now: () => performance.now(),
      observation: this.conn,
      onPhase: (phase) => this.enterPhase(phase),
    });
    const client = new Client(target.url.origin, {
      connect,
      // One request per connection (the client is closed after it), undici's own coarse timers
      // off: ours decide. Not `pipelining: 0`: that sends `connection: close`, and undici then
      // ends every message by destroying the socket with a new InformationalError('reset'), whose
      // construction and stack were a tenth of a probe's CPU.
      pipelining: 1,
      // undici marks a socket for reset (that same error) when the server's keep-alive timeout is
      // under this threshold; the socket is never reused here, so no threshold applies.
      keepAliveTimeoutThreshold: 0,
      headersTimeout: 0,
      bodyTimeout: 0,
      // A probe measures HTTP/1.1 (the connector offers only `http/1.1` in ALPN); undici 8 would
      // otherwise take HTTP/2 wherever a server negotiates it.
      allowH2: false,
    });
    this.client = client;
    const connectTimer = this.timers.start(target.timeouts.connectMs, () => {
      if (this.phase === 'tcp' || this.phase === 'tls' || this.phase === 'dns') {
        const what = this.phase === 'tls' ? 'the TLS handshake' : 'the TCP connection';
        this.fail(
          PROBE_CODES.connectTimeout,
          this.phase === 'tls' ? 'TLS' : 'TCP_TIMEOUT',
          `${what} did not complete within connectMs (${target.timeouts.connectMs} ms)`,
        );
      }
    });
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      // undici 8 speaks only the controller-based handler API (its migration guide, "Migrating from
      // Undici 7 to 8"): aborting goes through the controller, headers arrive parsed.
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (controller) => {
          this.abortRequest = (error) => controller.abort(error);
        },
        onRequestSent: () => {
          this.timers.clear(connectTimer);
          this.marks.requestSent = performance.now();
          this.enterPhase('ttfb');
          this.startHeadersTimer();
        },
        onResponseStarted: () => {
          this.marks.firstByte ??= performance.now();
        },
        onResponseStart: (_controller, statusCode, headers) => this.onHeaders(statusCode, headers),
        onResponseData: (_controller, chunk) => this.onData(chunk),
        onResponseEnd: () => {
          this.marks.end = performance.now();
          resolve();
        },
        onResponseError: (_controller, error) => {
          this.marks.end ??= performance.now();
          this.noteError(error);
          resolve();
        },
      };
      client.dispatch(
        {
          path: `${target.url.pathname}${target.url.search}`,
          method: target.method,
          headers: { 'user-agent': USER_AGENT, accept: '*/*', ...target.headers },
        },
        handler,
      );
    });
  }

  /** A body over the limit ends the exchange through `fail` (which aborts the request): no pause needed. */
  private onHeaders(statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx interim responses: the real one follows
    this.marks.headers = performance.now();
    this.marks.firstByte ??= this.marks.headers;
    this.enterPhase('transfer');
    this.response.start(
      statusCode,
      headers,
      this.target.method === 'GET' && needsBody(this.target.assertions),
    );
    const declared = this.response.declaredLength();
    if (declared !== null && declared > this.target.maxBodyBytes) {
      this.fail(
        PROBE_CODES.bodyTooLarge,
        'BODY_TOO_LARGE',
        `content-length ${declared} exceeds maxBodyBytes (${this.target.maxBodyBytes})`,
      );
      return;
    }
    this.armBodyIdleTimer();
  }

  private onData(chunk: Buffer): void {
    if (!this.response.add(chunk, this.target.maxBodyBytes)) {
      this.fail(
        PROBE_CODES.bodyTooLarge,
        'BODY_TOO_LARGE',
        `the body exceeded maxBodyBytes (${this.target.maxBodyBytes}) without a content-length saying so`,
      );
      return;
    }
    this.armBodyIdleTimer();
  }

  // ── Deadlines and failures ────────────────────────────────────────────────────────────────────

  private startHeadersTimer(): void {
    const { firstByteMs } = this.target.timeouts;
    this.timers.start(firstByteMs, () => {
      if (this.marks.headers === null) {
        this.fail(
          PROBE_CODES.headersTimeout,
          'HEADERS_TIMEOUT',
          `no response headers within firstByteMs (${firstByteMs} ms) of sending the request`,
        );
      }
    });
  }

  private armBodyIdleTimer(): void {
    // Re-armed per chunk: refresh() moves the same timer instead of making a new one.
    if (this.bodyIdleTimer !== null) {
      this.bodyIdleTimer.refresh();
      return;
    }
    const idleMs = this.target.timeouts.bodyIdleMs ?? this.target.timeouts.firstByteMs;
    this.bodyIdleTimer = this.timers.start(idleMs, () =>
      this.fail(
        PROBE_CODES.bodyTimeout,
        'BODY_TIMEOUT',
        `the body stalled for bodyIdleMs (${idleMs} ms) after ${this.response.bytes} bytes`,
      ),
    );
  }

  /** Records the engine's own verdict (first one wins) and tears the exchange down. */
  private fail(code: string, klass: ProbeFailure['class'], message: string): void {
    if (this.failure !== null || this.marks.end !== null) return;
    this.failure = { class: klass, phase: this.phase, code, message };
    this.marks.end = performance.now();
    const error = new ProbeAbort(this.failure);
    this.wake?.();
    this.abortRequest?.(error);
    this.conn.socket?.destroy(error);
  }

  /** An error from DNS, the socket or undici; ignored when the engine already decided the failure. */
  private noteError(error: unknown): void {
    if (this.failure !== null) return;
    if (error instanceof ProbeAbort) {
      this.failure = error.failure;
      return;
    }
    const failure = classifyError(error, this.phase, this.conn.socketError);
    const declared = this.response.headers['content-length'];
    this.failure =
      failure.phase === 'transfer'
        ? {
            ...failure,
            message: `${failure.message}; after ${this.response.bytes}${declared === undefined ? '' : ` of ${declared}`} body bytes`,
          }
        : failure;
  }

  /** Phases only move forward: socket events and undici callbacks may arrive in either order. */
  private enterPhase(phase: ProbePhase): void {
    if (PROBE_PHASES.indexOf(phase) > PROBE_PHASES.indexOf(this.phase)) this.phase = phase;
  }

  private closeConnection(): void {
    const client = this.client;
    this.client = null;
    // destroy(), not close(): nothing may linger for reuse, and a stalled server must not hold us.
    // With no reason, undici builds a ClientDestroyedError (and its stack) per call: one shared
    // reason, made once, says the same. It reaches nobody on the success path (no request left).
    client?.destroy(CLOSED_AFTER_ATTEMPT).catch(() => undefined);
    this.conn.socket?.destroy();
  }

  // ── Verdict and result ────────────────────────────────────────────────────────────────────────

  private judge(): void {
    this.enterPhase('assertions');
    this.failure = checkAssertions(
      {
        statusCode: this.response.statusCode ?? 0,
        headers: this.response.headers,
        body: this.response.bodyText(),
      },
      this.target.assertions,
    );
  }

  private result(): ProbeAttempt {
    const c = this.conn;
    const r = this.response;
    const https = this.target.url.protocol === 'https:';
    const completed = r.statusCode !== null && (this.failure === null || this.failure.phase === 'assertions');
    const expectedIp = this.target.expectedIp;
    // Nothing secret leaves an attempt: the rows, events and logs are all built from this result.
    const clean = redactorFor(this.target);
    const end = this.marks.end ?? performance.now();
    const excerpt = this.failure === null ? null : r.excerptText();
    return {
      attempt: this.attemptNo,
      startedAt: this.startedAt.toISOString(),
      timings: phaseTimings({
        marks: this.marks,
        connection: c,
        createdAt: this.createdAt,
        end,
        https,
        completed,
      }),
      resolvedIp: this.resolvedIp,
      expectedIpMatches:
        expectedIp === undefined || this.resolvedIp === null ? null : sameIp(expectedIp, this.resolvedIp),
      localAddress: c.localAddress,
      localPort: c.localPort,
      httpVersion: r.statusCode === null ? null : (c.httpVersion ?? '1.1'),
      statusCode: r.statusCode,
      serverHeader: r.headers.server === undefined ? null : clean(r.headers.server),
      headers: Object.fromEntries(
        Object.entries(r.kept(Object.keys(this.target.assertions.headers))).map(([k, v]) => [k, clean(v)]),
      ),
      bodyBytes: r.statusCode === null ? null : r.bytes,
      bodySha256: completed ? r.sha256() : null,
      bodyExcerpt: excerpt === null ? null : clean(excerpt),
      tls: https ? c.tls : null,
      failure: this.failure === null ? null : { ...this.failure, message: clean(this.failure.message) },
      ...(this.dnsAnswers === undefined ? {} : { dnsAnswers: this.dnsAnswers }),
    };
  }
}

const redactors = new WeakMap<ProbeTarget, Redactor>();

/** One redactor per target: its header values and URL query values are the secrets it may echo back. */
export function redactorFor(target: ProbeTarget): Redactor {
  let found = redactors.get(target);
  if (found === undefined) {
    found = redactor(targetSecrets(target).map((s) => s.value));
    redactors.set(target, found);
  }
  return found;
}
