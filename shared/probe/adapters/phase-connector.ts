/*
 * A connector for undici that opens exactly one fresh socket to an address we already resolved
 * and watches it: when TCP connected, when TLS finished, from which local address, with which
 * certificate. undici has no channel that separates these phases, so we observe the socket itself.
 */
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import {
  createSecureContext,
  type PeerCertificate,
  rootCertificates,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import type { buildConnector } from 'undici';
import type { ProbeTarget, TlsDetails } from '../core/types';

export interface ConnectionObservation {
  tcpStartAt: number | null;
  tcpEndAt: number | null;
  tlsEndAt: number | null;
  localAddress: string | null;
  localPort: number | null;
  tls: TlsDetails | null;
  /** From the status line of the first response bytes: "1.1", "1.0". */
  httpVersion: string | null;
  /**
   * When the HTTP client first read response bytes off the socket, and when it last did: the event
   * boundaries of the first byte and of the end. undici reports both later, after parsing the
   * chunk and running our handlers for it; taking the moment of the read keeps that work (the
   * engine's, not the path's) out of the first byte and the total.
   */
  firstReadAt: number | null;
  lastReadAt: number | null;
  /** The socket's own first error (ECONNRESET, EPIPE), which undici may report under a wrapper code. */
  socketError: Error | null;
  socket: Socket | null;
}

export function emptyObservation(): ConnectionObservation {
  return {
    tcpStartAt: null,
    tcpEndAt: null,
    tlsEndAt: null,
    localAddress: null,
    localPort: null,
    tls: null,
    httpVersion: null,
    firstReadAt: null,
    lastReadAt: null,
    socketError: null,
    socket: null,
  };
}

export interface PhaseConnectorOptions {
  /**
   * The connector undici's own `buildConnector` made, with session caching off and
   * `rejectUnauthorized: false`: the certificate verdict is taken here (fail closed), so that a
   * rejected certificate's subject and dates can still be reported.
   */
  readonly base: buildConnector.connector;
  /** The address DNS gave us (or the literal from the URL); SNI and the certificate check still use the host name. */
  readonly ip: string;
  readonly now: () => number;
  readonly observation: ConnectionObservation;
  /** Called when the socket moves on: 'tls' after TCP for https, 'request' when ready to send. */
  readonly onPhase: (phase: 'tcp' | 'tls' | 'request') => void;
}

type ConnectFunction = (
  options: buildConnector.Options,
  callback: buildConnector.Callback,
) => Socket | undefined;

/**
 * The socket-opening half of undici's `buildConnector`, without what a probe never uses: its
 * per-connector TLS session cache (a Map and a FinalizationRegistry built with every connector)
 * and the `session` listener that makes Node serialise every session ticket the server sends, its
 * coarse connect timer, TCP keep-alive. One is made per TLS configuration and shared by every
 * attempt: it holds no per-connection state. The certificate verdict is the phase connector's
 * (`rejectUnauthorized: false` here, fail closed there).
 */
export function directConnector(secureContext: SecureContext | undefined): buildConnector.connector {
  const connect: ConnectFunction = (options, callback) => {
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    let socket: Socket;
    if (options.protocol === 'https:') {
      const servername = options.servername || serverName(options.host ?? '');
      socket = tlsConnect({
        host: options.hostname,
        port,
        ...(servername === '' ? {} : { servername }),
        ...(secureContext === undefined ? {} : { secureContext }),
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
    } else {
      socket = tcpConnect({ host: options.hostname, port });
    }
    let pending: buildConnector.Callback | null = callback;
    socket
      .setNoDelay(true)
      .once(options.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        const done = pending;
        pending = null;
        done?.(null, socket);
      })
      .on('error', (error: Error) => {
        const done = pending;
        pending = null;
        done?.(error, null);
      });
    return socket;
  };
  return connect as unknown as buildConnector.connector;
}

const connectors = new Map<string, buildConnector.connector>();

/**
 * One connector per scheme and extra CA, shared by every attempt: for https it holds one secure
 * context (building one from the root store costs milliseconds that would otherwise land in the
 * TCP phase). Sharing it shares no sessions: Node's client contexts keep none unless a session is
 * passed explicitly, and the connector caches none.
 */
export function connectorFor(target: ProbeTarget): buildConnector.connector {
  const https = target.url.protocol === 'https:';
  const key = https ? `https:${target.ca ?? ''}` : 'http:';
  let connector = connectors.get(key);
  if (connector === undefined) {
    const context: SecureContext | undefined = https
      ? createSecureContext(target.ca === undefined ? {} : { ca: [...rootCertificates, target.ca] })
      : undefined;
    connector = directConnector(context);
    if (connectors.size >= 64) connectors.clear();
    connectors.set(key, connector);
  }
  return connector;
}

export function phaseConnector(options: PhaseConnectorOptions): buildConnector.connector {
  const { observation: obs, now } = options;
  const base = options.base as unknown as ConnectFunction;
  return (connectOptions, callback) => {
    const https = connectOptions.protocol === 'https:';
    const tcpConnected = (socket: Socket) => {
      if (obs.tcpEndAt !== null) return;
      obs.tcpEndAt = now();
      obs.localAddress = socket.localAddress ?? null;
      obs.localPort = socket.localPort ?? null;
      options.onPhase(https ? 'tls' : 'request');
    };
    obs.tcpStartAt = now();
    options.onPhase('tcp');
    // The base calls back once the socket is usable (after TCP, or after TLS for https). We record
    // the phase before undici sees the socket and writes the request, so the marks stay in order.
    const socket = base({ ...connectOptions, hostname: options.ip }, (error, connected) => {
      if (error !== null || connected === null) return callback(error ?? new Error('no socket'), null);
      if (!https) {
        tcpConnected(connected);
        return callback(null, connected);
      }
      const tlsSocket = connected as TLSSocket;
      obs.tlsEndAt = now();
      obs.tls = tlsDetails(tlsSocket);
      if (!tlsSocket.authorized) {
        const rejected = certificateError(tlsSocket.authorizationError, obs.tls, connectOptions.hostname);
        tlsSocket.destroy(rejected);
        return callback(rejected, null);
      }
      options.onPhase('request');
      return callback(null, connected);
    });
    if (socket === undefined) return;
    obs.socket = socket;
    if (https) abbreviatedPeerCertificate(socket as TLSSocket);
    // tls.connect() starts the handshake (builds and writes the ClientHello) in its own 'connect'
    // listener, registered before we see the socket; going first puts that work in the TLS phase.
    if (https) socket.prependOnceListener('connect', () => tcpConnected(socket));
    socket.once('error', (error: Error) => {
      obs.socketError ??= error;
    });
    watchReads(socket, obs, now);
  };
}

/** The error for a certificate the TLS stack did not accept, with the facts that explain it. */
function certificateError(reason: Error | string | undefined, tls: TlsDetails | null, host: string): Error {
  const code =
    typeof reason === 'string'
      ? reason
      : ((reason as NodeJS.ErrnoException | undefined)?.code ?? 'CERT_REJECTED');
  const subject = tls?.subject ?? 'unknown subject';
  const message =
    code === 'CERT_HAS_EXPIRED'
      ? `the certificate (${subject}) expired on ${tls?.notAfter ?? 'an unknown date'}`
      : code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `the certificate (${subject}) is not valid for ${host}`
        : code === 'CERT_NOT_YET_VALID'
          ? `the certificate (${subject}) is not valid yet`
          : `the certificate (${subject}, issued by ${tls?.issuer ?? 'unknown'}) was rejected: ${code}`;
  return Object.assign(new Error(message), { code });
}

/**
 * undici reads the socket with `read()` (on 'readable') and does not expose the response's HTTP
 * version nor when bytes arrived. We look at every chunk it reads (without taking it): the moment
 * of each read (the first and the last: see `firstReadAt`), and `HTTP/1.x` in the first chunk's
 * status line.
 */
function watchReads(socket: Socket, obs: ConnectionObservation, now: () => number): void {
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk: unknown = read(size);
    if (Buffer.isBuffer(chunk) && chunk.length > 0) {
      const at = now();
      obs.lastReadAt = at;
      if (obs.firstReadAt === null) {
        obs.firstReadAt = at;
        const match = /^HTTP\/(\d(?:\.\d)?) /.exec(chunk.subarray(0, 16).toString('latin1'));
        obs.httpVersion = match?.[1] ?? 'unknown';
      }
    }
    return chunk;
  };
}

/**
 * The SNI name for the URL's `host` (name and port): none for an address literal (RFC 6066 §3),
 * and Node then checks the certificate against the address instead.
 */
function serverName(host: string): string {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return isIP(name) === 0 ? name : '';
}

/**
 * Once the chain has verified, Node's TLS client calls `getPeerCertificate(true)` to check the
 * host name: that clones every certificate of the chain and converts each to an object (0.5-0.6 ms
 * per handshake here, the largest single item of an https probe's CPU). The name check reads only
 * the leaf's `subject` and `subjectaltname`, which the abbreviated form carries unchanged, so this
 * socket answers every call with one abbreviated copy; `tlsDetails` reuses the same copy.
 */
function abbreviatedPeerCertificate(socket: TLSSocket): void {
  const read = socket.getPeerCertificate.bind(socket);
  let leaf: PeerCertificate | undefined;
  socket.getPeerCertificate = (() => {
    leaf ??= read(false);
    return leaf;
  }) as TLSSocket['getPeerCertificate'];
}

const DAY_MS = 86_400_000;

function distinguishedName(name: PeerCertificate['subject'] | undefined): string | null {
  if (name === undefined || name === null) return null;
  const parts = Object.entries(name).map(([key, value]) => `${key}=${[value].flat().join('+')}`);
  return parts.length > 0 ? parts.join(', ') : null;
}

function tlsDetails(socket: TLSSocket): TlsDetails | null {
  let cert: PeerCertificate | undefined;
  try {
    const peer = socket.getPeerCertificate(false);
    cert = peer !== null && Object.keys(peer).length > 0 ? peer : undefined;
  } catch {
    cert = undefined;
  }
  const cipher = safe(() => socket.getCipher()?.name ?? null);
  const protocol = safe(() => socket.getProtocol());
  if (cert === undefined && cipher === null && protocol === null) return null;
  const notAfterTime = cert?.valid_to === undefined ? Number.NaN : Date.parse(cert.valid_to);
  const notAfter = Number.isNaN(notAfterTime) ? null : new Date(notAfterTime).toISOString();
  return {
    protocol,
    cipher,
    sessionReused: safe(() => socket.isSessionReused()) ?? false,
    subject: distinguishedName(cert?.subject),
    issuer: distinguishedName(cert?.issuer),
    notAfter,
    daysLeft: notAfter === null ? null : Math.floor((notAfterTime - Date.now()) / DAY_MS),
    // The abbreviated copy carries both (Node's PeerCertificate); cert.expiring notices are keyed by the fingerprint.
    fingerprint256: cert?.fingerprint256 ?? null,
    serialNumber: cert?.serialNumber ?? null,
  };
}

function safe<T>(read: () => T | null | undefined): T | null {
  try {
    return read() ?? null;
  } catch {
    return null;
  }
}
