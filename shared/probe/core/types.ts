/*
 * The probe's two contracts: a parsed target (what to probe and how to judge it) and a result
 * (what one probe run observed). The probe engine produces results; the probe store, state
 * machine and dashboard consume them.
 */
import type { LinearRegex } from '../../regex/linear-regex';
export const FAILURE_CLASSES = [
  'DNS',
  'TCP_TIMEOUT',
  'TCP_REFUSED',
  'TCP_RESET',
  'TLS',
  'HEADERS_TIMEOUT',
  'BODY_TIMEOUT',
  'HTTP_STATUS',
  'ASSERTION',
  'BODY_TOO_LARGE',
  'DEADLINE',
  // The private endpoint reaches another Private Link Service than the target's `expectedService`.
  'WRONG_SERVICE',
  // A resolver answered, but not with what the target expects (expectedIp, or a dns target's
  // expectedAnswers): the most common private endpoint fault is DNS handing out the public address.
  'DNS_MISMATCH',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export const PROBE_PHASES = ['dns', 'tcp', 'tls', 'request', 'ttfb', 'transfer', 'assertions'] as const;
export type ProbePhase = (typeof PROBE_PHASES)[number];

export type ResultStatus = 'UP' | 'DEGRADED' | 'DOWN';
export type TargetState = ResultStatus | 'UNKNOWN';

export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

export interface ProbeAssertions {
  /** Accepted status codes and ranges; default 200-399. */
  readonly status: readonly StatusRange[];
  readonly bodyContains: readonly string[];
  readonly bodyRegex: readonly LinearRegex[];
  /** Header name (lower case) → pattern the value must match, e.g. server → /^Microsoft-IIS\//. */
  readonly headers: Readonly<Record<string, LinearRegex>>;
}

export interface MaintenanceWindow {
  /** Six-field NCRONTAB (seconds first) or five-field cron giving each window's start. */
  readonly cron: string;
  readonly durationMinutes: number;
  /** IANA time zone the cron is read in, e.g. "Europe/Berlin". */
  readonly timeZone: string;
}

/** What a target checks: an HTTP(S) exchange (the default), a TCP connect, or a DNS lookup. */
export const PROBE_KINDS = ['http', 'tcp', 'dns'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** A DNS server asked directly instead of the system's resolver (Azure's 168.63.129.16, a Private Resolver). */
export interface NamedResolver {
  readonly address: string;
  readonly port: number;
}

export interface TcpCheck {
  /** Read what the server sends first (SSH, SMTP, FTP, Redis greet first); absent: connect only. */
  readonly banner:
    | {
        readonly maxBytes: number;
        readonly waitMs: number;
        /** The banner must match this (linear-time engine: the bytes come from the network). */
        readonly expect: LinearRegex | undefined;
      }
    | undefined;
}

export interface DnsCheck {
  readonly name: string;
  readonly recordType: DnsRecordType;
  /** When present, the answers must be exactly these (order and case aside); otherwise any answer passes. */
  readonly expectedAnswers: readonly string[] | undefined;
}

/** A target's service-level objective (the rules and math are in ./slo.ts). */
export interface SloObjective {
  /** Percentage of counted runs that must not be DOWN, e.g. 99.9. */
  readonly availability: number;
  /** A run slower than this (total ms) misses the latency objective; absent: no latency objective. */
  readonly latencyMs: number | undefined;
  /** Percentage of good runs that must be at most `latencyMs`, e.g. 95. */
  readonly latencyTarget: number;
  /** The objective's window in days (a rolling window for budget remaining, a month for the report). */
  readonly windowDays: number;
}

export interface ProbeTarget {
  readonly id: string;
  readonly displayName: string;
  /** Absent in files written before there were kinds: http. */
  readonly kind?: ProbeKind;
  /**
   * What is probed, as a URL: the http(s) URL, `tcp://host:port`, or `dns://resolver/name`
   * (RFC 4501's form) so that stores, events and telemetry show every kind the same way.
   */
  readonly url: URL;
  /** http and tcp: resolve the host through this server; dns: the server asked (else the system's). */
  readonly resolver?: NamedResolver | undefined;
  readonly tcp?: TcpCheck | undefined;
  readonly dns?: DnsCheck | undefined;
  /** The private endpoint's IP; the result records whether the resolved address equals it. */
  readonly expectedIp: string | undefined;
  readonly method: 'GET' | 'HEAD';
  readonly headers: Readonly<Record<string, string>>;
  readonly assertions: ProbeAssertions;
  /** A successful result slower than this (total ms) is DEGRADED. */
  readonly latencySloMs: number | undefined;
  readonly timeouts: {
    readonly connectMs: number;
    readonly firstByteMs: number;
    readonly totalMs: number;
    /** Longest silence between body chunks (BODY_TIMEOUT); the engine uses firstByteMs when absent. */
    readonly bodyIdleMs?: number;
  };
  readonly maxBodyBytes: number;
  /** Extra attempts within one run after a failure; success on a retry makes the result DEGRADED. */
  readonly retries: number;
  /** Consecutive failing runs before the state turns DOWN, and passing runs before it turns UP again. */
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly maintenance: readonly MaintenanceWindow[];
  /** The PLS connection (full ARM id of the private endpoint connection or of the consumer's private endpoint) it depends on. */
  readonly dependsOn: string | undefined;
  /** Extra CA certificates (PEM) to trust for https targets. */
  readonly ca: string | undefined;
  /**
   * The Private Link Service (resource id or alias) the private endpoint in `dependsOn` must reach;
   * anything else is a WRONG_SERVICE failure, whatever HTTP said (docs/probe.md, "Consumer guard").
   */
  readonly expectedService?: string | undefined;
  /** Days before the certificate's expiry at which a `cert.expiring` notice is sent, descending; [] sends none. */
  readonly certExpiryDays?: readonly number[];
  /** The service-level objective (./slo.ts); absent: no objective, so no budget and no burn alerts. */
  readonly slo?: SloObjective | undefined;
}

export interface PhaseTimings {
  /** null where the phase did not happen (DNS for IP literals, TLS for http) or was not reached. */
  readonly dnsMs: number | null;
  readonly tcpMs: number | null;
  readonly tlsMs: number | null;
  readonly ttfbMs: number | null;
  readonly transferMs: number | null;
  readonly totalMs: number;
  /** Attempt start → first response byte: the same definition as curl's time_starttransfer. */
  readonly firstByteAtMs?: number | null;
}

export interface TlsDetails {
  readonly protocol: string | null;
  readonly cipher: string | null;
  readonly subject: string | null;
  readonly issuer: string | null;
  readonly notAfter: string | null;
  readonly daysLeft: number | null;
  /** Always false from this engine (no session resumption); kept as evidence that the handshake was full. */
  readonly sessionReused?: boolean;
  /** The leaf certificate's SHA-256 fingerprint (colon-separated hex): tells a renewed certificate from the old one. */
  readonly fingerprint256?: string | null;
  /** The leaf certificate's serial number (hex). */
  readonly serialNumber?: string | null;
}

export interface ProbeFailure {
  readonly class: FailureClass;
  readonly phase: ProbePhase;
  /** Low-level code: errno (ECONNREFUSED), undici code (UND_ERR_HEADERS_TIMEOUT), TLS code, or our own. */
  readonly code: string;
  readonly message: string;
}

/** One attempt: one fresh connection, one request. */
export interface ProbeAttempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly timings: PhaseTimings;
  readonly resolvedIp: string | null;
  readonly expectedIpMatches: boolean | null;
  readonly localAddress: string | null;
  readonly localPort: number | null;
  readonly httpVersion: string | null;
  readonly statusCode: number | null;
  readonly serverHeader: string | null;
  /** A few response headers worth keeping (content-type, content-length, x-powered-by, ...), names lower case. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly bodyBytes: number | null;
  readonly bodySha256: string | null;
  /** First 1 KiB of the body, kept only on failure. */
  readonly bodyExcerpt: string | null;
  readonly tls: TlsDetails | null;
  readonly failure: ProbeFailure | null;
  /** Every answer the resolver gave (dns targets, and http/tcp targets with a named resolver). */
  readonly dnsAnswers?: readonly string[];
  /** tcp targets that read a banner: its first bytes as text (redacted like a body excerpt). */
  readonly banner?: string | null;
}

/** One run of one target: its attempts (1 + retries at most) and the verdict. */
export interface ProbeResult {
  readonly targetId: string;
  /** Stable id of the run (target + scheduled time), so a retried run writes the same rows. */
  readonly runId: string;
  readonly scheduledAt: string;
  readonly startedAt: string;
  readonly status: ResultStatus;
  /** Why DEGRADED (slow / retried) or DOWN (the failure), in one line. */
  readonly reason: string | null;
  readonly attempts: readonly ProbeAttempt[];
  /** The final attempt (the one the verdict is based on). */
  readonly final: ProbeAttempt;
  /** Inside a maintenance window: shown, but kept out of availability. */
  readonly inMaintenance: boolean;
  /** When the target depends on a PLS connection that is not Approved: its state, explaining the failure. */
  readonly connectionState: string | null;
  /**
   * How late the run started after its planned slot in a spaced inline run (waiting for a free
   * concurrency slot or a busy event loop), ms. Kept apart from every timing; absent when not spaced.
   */
  readonly queueMs?: number;
}

/** Runs one target once (attempts included) and never throws for a probe failure: failures are results. */
export type ProbeRunner = (
  target: ProbeTarget,
  run: {
    readonly scheduledAt: Date;
    /** Aborts the whole run at the timer's deadline; the result is then DOWN with class DEADLINE. */
    readonly signal: AbortSignal;
  },
) => Promise<ProbeResult>;

/** One target of a run with its result (null when it was not probed, e.g. in maintenance): what telemetry is sent. */
export interface ProbedTarget {
  readonly target: Pick<ProbeTarget, 'id' | 'displayName' | 'url'>;
  readonly result: ProbeResult | null;
}
