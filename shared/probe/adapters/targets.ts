/*
 * The probe targets document: a file (PROBE_TARGETS_PATH) or an app setting (PROBE_TARGETS), YAML or
 * JSON, either a list of targets or `{ targets: [...] }`. Every problem is reported with its path,
 * e.g. `targets[1].assertions.status[0]: expected a status code or range like "200-299"`.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { Cron } from 'croner';
import { z } from 'zod';
import { isResourceId } from '../../arm/resource-id';
import { resourceIdOfKindsSchema } from '../../arm/resource-id-schema';
import type { Config } from '../../config/config';
import {
  type CrossCheck,
  duplicateKeyIssues,
  type LoadedDocument,
  loadDocument,
  parseDocumentText,
} from '../../config/document-loader';
import { compileLinearRegex, type LinearRegex, regexLiteralParts } from '../../regex/linear-regex';
import { DEFAULT_CERT_EXPIRY_DAYS } from '../core/cert-expiry';
import { PLS_ALIAS_PATTERN } from '../core/service-guard';
import type { SloObjective } from '../core/slo';
import {
  DNS_RECORD_TYPES,
  type MaintenanceWindow,
  type NamedResolver,
  PROBE_KINDS,
  type ProbeAssertions,
  type ProbeKind,
  type ProbeTarget,
  type StatusRange,
} from '../core/types';

export const TARGET_DEFAULTS = {
  method: 'GET',
  status: [{ from: 200, to: 399 }] as readonly StatusRange[],
  connectMs: 3_000,
  firstByteMs: 5_000,
  totalMs: 10_000,
  maxBodyBytes: 1024 * 1024,
  retries: 1,
  // Gatus' defaults (alerting failure-threshold 3, success-threshold 2): three bad minutes before DOWN.
  failureThreshold: 3,
  successThreshold: 2,
  maintenanceTimeZone: 'UTC',
  certExpiryDays: DEFAULT_CERT_EXPIRY_DAYS,
  bannerMaxBytes: 512,
  bannerWaitMs: 2_000,
  // The SRE workbook's examples use a 30-day window; 95 % is the usual latency share.
  sloWindow: '30d',
  sloLatencyTarget: 95,
} as const;

const MAX_BANNER_BYTES = 64 * 1024;

const MAX_TIMEOUT_MS = 300_000;
const MAX_BODY_LIMIT = 64 * 1024 * 1024;

/** Ids end up in Table Storage keys and URLs: no `/ \ # ?`, no spaces, no control characters. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the engine sets itself (fresh connection, body framing); a target may not override them. */
const RESERVED_HEADERS = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
]);

const STATUS_MESSAGE = 'expected a status code or range like "200-299" (or "2xx")';

/** `200`, `"200"`, `"200-299"` or `"2xx"` → a range of accepted codes. */
export function parseStatusRange(value: number | string): StatusRange | undefined {
  const text = String(value).trim();
  const single = /^([1-5]\d\d)$/.exec(text);
  if (single) return { from: Number(single[1]), to: Number(single[1]) };
  const range = /^([1-5]\d\d)\s*-\s*([1-5]\d\d)$/.exec(text);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    return from <= to ? { from, to } : undefined;
  }
  const klass = /^([1-5])xx$/i.exec(text);
  if (klass) return { from: Number(klass[1]) * 100, to: Number(klass[1]) * 100 + 99 };
  return undefined;
}

/**
 * Assertion patterns run on RE2 (linear time; shared/regex/linear-regex.ts): the body they are
 * matched against comes from the network, and a backtracking pattern would block the probe loop.
 */
const LOOKAROUND_HINT = 'match the positive text with bodyContains, or split the check into several patterns';

/** `Microsoft-IIS/*` → /^Microsoft-IIS\/.*$/i: `*` any run, `?` one character, whole value, any case. */
export function globToRegExp(glob: string): LinearRegex {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  const compiled = compileLinearRegex(`^${body}$`, 'i');
  // Every character is escaped, so the glob's regex always compiles.
  if (!compiled.ok) throw new Error(`glob ${glob} did not compile: ${compiled.message}`);
  return compiled.regex;
}

function addRegexIssue(ctx: z.RefinementCtx, text: string, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message: `invalid regular expression ${JSON.stringify(text)}: ${message}` });
  return z.NEVER;
}

/** A bare source or a `/pattern/flags` literal. */
const regexString = z.string().transform((text, ctx) => {
  const literal = regexLiteralParts(text);
  const compiled =
    literal === undefined
      ? compileLinearRegex(text, '', LOOKAROUND_HINT)
      : compileLinearRegex(literal.source, literal.flags, LOOKAROUND_HINT);
  return compiled.ok ? compiled.regex : addRegexIssue(ctx, text, compiled.message);
});

/** A glob (`Microsoft-IIS/*`) or a `/pattern/flags` literal. */
const headerPattern = z.string().transform((text, ctx) => {
  const literal = regexLiteralParts(text);
  if (literal === undefined) return globToRegExp(text);
  const compiled = compileLinearRegex(literal.source, literal.flags, LOOKAROUND_HINT);
  return compiled.ok ? compiled.regex : addRegexIssue(ctx, text, compiled.message);
});

const statusEntry = z.union([z.number(), z.string()], { error: STATUS_MESSAGE }).transform((value, ctx) => {
  const range = parseStatusRange(value);
  if (range === undefined) {
    ctx.addIssue({ code: 'custom', message: STATUS_MESSAGE });
    return z.NEVER;
  }
  return range;
});

/** A single value where a list is expected is a list of one (`bodyContains: "IIS"`); paths still index the list. */
function asList<T extends z.ZodType>(list: T) {
  return z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), list);
}

const positiveMs = (max: number) =>
  z
    .number({ error: 'expected a number of milliseconds' })
    .int('expected whole milliseconds')
    .min(1, 'expected at least 1 ms')
    .max(max, `expected at most ${max} ms`);

const assertionsSchema = z
  .object({
    status: asList(z.array(statusEntry).min(1, 'expected at least one status code or range')).optional(),
    bodyContains: asList(z.array(z.string().min(1))).optional(),
    bodyRegex: asList(z.array(regexString)).optional(),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'expected an HTTP header name'), headerPattern)
      .optional(),
  })
  .strict();

const timeoutsSchema = z
  .object({
    connectMs: positiveMs(MAX_TIMEOUT_MS).optional(),
    firstByteMs: positiveMs(MAX_TIMEOUT_MS).optional(),
    bodyIdleMs: positiveMs(MAX_TIMEOUT_MS).optional(),
    totalMs: positiveMs(MAX_TIMEOUT_MS).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const total = t.totalMs ?? TARGET_DEFAULTS.totalMs;
    for (const key of ['connectMs', 'firstByteMs', 'bodyIdleMs'] as const) {
      const value = t[key];
      if (value !== undefined && value > total) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must not exceed totalMs (${total} ms${t.totalMs === undefined ? ', the default' : ''})`,
        });
      }
    }
  });

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "Europe/Berlin" or "UTC"');

const maintenanceSchema = z
  .object({
    cron: z.string().min(1),
    durationMinutes: z
      .number()
      .int('expected whole minutes')
      .min(1)
      .max(7 * 24 * 60),
    timeZone: timeZone.optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const fields = w.cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: 'expected a five-field cron or six-field NCRONTAB (seconds first) expression',
      });
      return;
    }
    try {
      // Checked in UTC: whether the expression is valid does not depend on the zone (checked on its own).
      new Cron(w.cron, { paused: true, timezone: 'UTC' });
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: `invalid cron expression: ${error instanceof Error ? error.message : 'unreadable'}`,
      });
    }
  });

/**
 * `slo: { availability: 99.9, latencyMs: 500, latencyTarget: 95, window: 30d }`. No default
 * objective: a target without `slo` has no budget and no burn alerts (docs/probe.md).
 */
const sloSchema = z
  .object({
    availability: z
      .number({ error: 'expected a percentage such as 99.9' })
      .gt(0, 'expected more than 0 (a percentage such as 99.9)')
      .lt(100, 'expected less than 100: an objective of 100 % leaves no error budget'),
    latencyMs: positiveMs(MAX_TIMEOUT_MS).optional(),
    latencyTarget: z
      .number({ error: 'expected a percentage such as 95' })
      .gt(0, 'expected more than 0 (a percentage such as 95)')
      .max(100, 'expected at most 100')
      .optional(),
    window: z
      .string({ error: 'expected a number of days such as "30d"' })
      .regex(/^([1-9]\d?)d$/, 'expected a number of days from 1d to 90d, such as "30d"')
      .refine((w) => Number.parseInt(w, 10) <= 90, 'expected at most 90d (daily rollups are kept that long)')
      .optional(),
  })
  .strict()
  .superRefine((slo, ctx) => {
    if (slo.latencyTarget !== undefined && slo.latencyMs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['latencyMs'], message: 'latencyTarget needs latencyMs' });
    }
  });

function toSlo(input: z.output<typeof sloSchema>): SloObjective {
  return {
    availability: input.availability,
    latencyMs: input.latencyMs,
    latencyTarget: input.latencyTarget ?? TARGET_DEFAULTS.sloLatencyTarget,
    windowDays: Number.parseInt(input.window ?? TARGET_DEFAULTS.sloWindow, 10),
  };
}

const pemCertificates = z.string().superRefine((pem, ctx) => {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected one or more PEM certificates (-----BEGIN CERTIFICATE-----)',
    });
    return;
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      ctx.addIssue({ code: 'custom', message: `certificate ${index + 1} is not a readable PEM certificate` });
    }
  });
});

const urlSchema = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'expected an absolute http or https URL, e.g. http://10.0.0.5/',
    });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `expected http or https, got ${url.protocol}` });
    return z.NEVER;
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in a URL end up in logs and tables; a header is the place for them.
    ctx.addIssue({ code: 'custom', message: 'credentials in the URL are not accepted; use headers' });
    return z.NEVER;
  }
  url.hash = '';
  return url;
});

const RESOLVER_MESSAGE =
  'expected a DNS server address with an optional port, e.g. 168.63.129.16, 10.0.0.4:53 or [fd00::4]:53';

/** `10.0.0.4`, `10.0.0.4:53`, `fd00::4` or `[fd00::4]:53` → the server a Resolver is pointed at. */
export function parseResolverAddress(text: string): NamedResolver | undefined {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(value);
  const [address, port] = bracketed
    ? [bracketed[1] ?? '', bracketed[2]]
    : v4
      ? [v4[1] ?? '', v4[2]]
      : [value, undefined];
  if (isIP(address) === 0 || (bracketed !== null && isIP(address) !== 6)) return undefined;
  const portNumber = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) return undefined;
  return { address, port: portNumber };
}

const resolverSchema = z.string({ error: RESOLVER_MESSAGE }).transform((text, ctx) => {
  const parsed = parseResolverAddress(text);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: RESOLVER_MESSAGE });
    return z.NEVER;
  }
  return parsed;
});

/** A host name (RFC 1123 labels) or an IP address: what a tcp target connects to or a dns target asks about. */
const HOST_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;
const hostSchema = z
  .string({ error: 'expected a host name or IP address, e.g. db.privatelink.example.com or 10.0.0.5' })
  .refine(
    (host) => isIP(host) !== 0 || HOST_NAME.test(host),
    'expected a host name or IP address, e.g. db.privatelink.example.com or 10.0.0.5',
  );

const bannerSchema = z
  .object({
    maxBytes: z
      .number({ error: 'expected a number of bytes' })
      .int('expected whole bytes')
      .min(1, 'expected at least 1 byte')
      .max(MAX_BANNER_BYTES, `expected at most ${MAX_BANNER_BYTES} bytes`)
      .optional(),
    waitMs: positiveMs(MAX_TIMEOUT_MS).optional(),
    expect: regexString.optional(),
  })
  .strict();

/** Fields each kind reads; any other kind's field on a target is a mistake worth naming. */
const KIND_FIELDS = {
  http: ['url', 'method', 'headers', 'assertions', 'maxBodyBytes', 'ca'],
  tcp: ['host', 'port', 'banner'],
  dns: ['name', 'recordType', 'expectedAnswers'],
} as const satisfies Record<ProbeKind, readonly string[]>;
const KIND_REQUIRED: Record<ProbeKind, readonly { field: string; what: string }[]> = {
  http: [{ field: 'url', what: 'the http or https URL to probe' }],
  tcp: [
    { field: 'host', what: 'the host name or address to connect to' },
    { field: 'port', what: 'the TCP port to connect to (1-65535)' },
  ],
  dns: [{ field: 'name', what: 'the DNS name to look up' }],
};

const targetSchema = z
  .object({
    kind: z.enum(PROBE_KINDS, { error: 'expected http, tcp or dns' }).optional(),
    id: z
      .string()
      .regex(ID_PATTERN, 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
    displayName: z.string().min(1).max(200).optional(),
    url: urlSchema.optional(),
    host: hostSchema.optional(),
    port: z
      .number({ error: 'expected a TCP port number (1-65535)' })
      .int('expected a TCP port number (1-65535)')
      .min(1, 'expected a TCP port number (1-65535)')
      .max(65_535, 'expected a TCP port number (1-65535)')
      .optional(),
    banner: bannerSchema.optional(),
    name: hostSchema.optional(),
    recordType: z.enum(DNS_RECORD_TYPES, { error: 'expected A, AAAA, CNAME or TXT' }).optional(),
    expectedAnswers: asList(
      z.array(z.string().min(1, 'expected a non-empty answer')).min(1, 'expected at least one answer'),
    ).optional(),
    resolver: resolverSchema.optional(),
    expectedIp: z
      .string()
      .refine((ip) => isIP(ip) !== 0, 'expected an IPv4 or IPv6 address such as 10.0.0.5')
      .optional(),
    method: z.enum(['GET', 'HEAD'], { error: 'expected GET or HEAD' }).optional(),
    headers: z
      .record(
        z
          .string()
          .regex(HEADER_NAME, 'expected an HTTP header name')
          .refine(
            (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
            'this header is set by the probe itself',
          ),
        z.string().refine((v) => !/[\r\n]/.test(v), 'header values cannot contain line breaks'),
      )
      .optional(),
    assertions: assertionsSchema.optional(),
    latencySloMs: positiveMs(MAX_TIMEOUT_MS).optional(),
    timeouts: timeoutsSchema.optional(),
    maxBodyBytes: z.number().int().min(0).max(MAX_BODY_LIMIT).optional(),
    retries: z.number().int('expected 0, 1, 2 or 3').min(0).max(3, 'expected at most 3').optional(),
    failureThreshold: z.number().int().min(1).max(100).optional(),
    successThreshold: z.number().int().min(1).max(100).optional(),
    maintenance: z.array(maintenanceSchema).optional(),
    dependsOn: resourceIdOfKindsSchema(
      ['privateEndpoint', 'plsConnection'],
      'expected the ARM id of a private endpoint (.../providers/Microsoft.Network/privateEndpoints/{name}) or of a PLS connection (.../privateLinkServices/{pls}/privateEndpointConnections/{name})',
    ).optional(),
    ca: pemCertificates.optional(),
    expectedService: z
      .string()
      .refine(
        (s) => isResourceId('privateLinkService', s) || PLS_ALIAS_PATTERN.test(s),
        'expected a Private Link Service resource id (.../providers/Microsoft.Network/privateLinkServices/{name}) or alias ({prefix}.{guid}.{region}.azure.privatelinkservice)',
      )
      .optional(),
    certExpiryDays: z
      .array(z.number().int('expected whole days').min(0).max(365), { error: 'expected a list of days' })
      .max(10, 'expected at most 10 thresholds')
      .optional(),
    slo: sloSchema.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    // The guard reads the consumer's own private endpoint: without one there is nothing to check,
    // and a guard that silently checks nothing is worse than none (fail closed at load time).
    if (
      t.expectedService !== undefined &&
      (t.dependsOn === undefined || !isResourceId('privateEndpoint', t.dependsOn))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['dependsOn'],
        message: 'expectedService needs dependsOn to be the ARM id of the private endpoint it checks',
      });
    const kind = t.kind ?? 'http';
    for (const { field, what } of KIND_REQUIRED[kind]) {
      if (t[field as keyof typeof t] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `required for ${kind === 'http' ? 'an' : 'a'} ${kind} target: ${what}`,
        });
      }
    }
    for (const other of PROBE_KINDS) {
      if (other === kind) continue;
      for (const field of KIND_FIELDS[other]) {
        if (t[field as keyof typeof t] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `applies to ${other} targets only (this target is ${kind}${t.kind === undefined ? ', the default' : ''})`,
          });
        }
      }
    }
    // A resolver beside an address literal would never be asked: the check the person meant would silently not run.
    const literalHost =
      kind === 'http'
        ? t.url !== undefined && isIP(t.url.hostname.replace(/^\[|\]$/g, '')) !== 0
        : kind === 'tcp' && t.host !== undefined && isIP(t.host) !== 0;
    if (t.resolver !== undefined && literalHost) {
      ctx.addIssue({
        code: 'custom',
        path: ['resolver'],
        message: `the ${kind === 'http' ? 'url' : 'host'} is an IP address, so there is nothing to resolve; give a host name`,
      });
    }
    const waitMs = t.banner?.waitMs;
    const totalMs = t.timeouts?.totalMs ?? TARGET_DEFAULTS.totalMs;
    if (waitMs !== undefined && waitMs > totalMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['banner', 'waitMs'],
        message: `must not exceed timeouts.totalMs (${totalMs} ms)`,
      });
    }
    if (kind === 'dns' && t.expectedIp !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['expectedIp'],
        message: 'a dns target checks its answers with expectedAnswers (e.g. ["10.0.0.5"])',
      });
    }
    if (kind === 'dns' && t.expectedAnswers !== undefined) {
      const type = t.recordType ?? 'A';
      t.expectedAnswers.forEach((answer, index) => {
        const family = isIP(answer);
        if ((type === 'A' && family !== 4) || (type === 'AAAA' && family !== 6)) {
          ctx.addIssue({
            code: 'custom',
            path: ['expectedAnswers', index],
            message: `expected an IPv${type === 'A' ? '4' : '6'} address for a${type === 'A' ? 'n A' : 'n AAAA'} record`,
          });
        }
      });
    }
  });

type TargetInput = z.output<typeof targetSchema>;

/** The URL every kind is shown and stored by: the http URL, `tcp://host:port`, or `dns://resolver/name` (RFC 4501). */
function targetUrl(input: TargetInput): URL {
  const bracket = (host: string) => (isIP(host) === 6 ? `[${host}]` : host);
  switch (input.kind ?? 'http') {
    case 'tcp':
      return new URL(`tcp://${bracket(input.host ?? '')}:${input.port}`);
    case 'dns': {
      const server =
        input.resolver === undefined ? '' : `${bracket(input.resolver.address)}:${input.resolver.port}`;
      return new URL(`dns://${server}/${input.name ?? ''}`);
    }
    default:
      // The schema requires a url for http targets.
      return input.url ?? new URL('http://invalid/');
  }
}

function toTarget(input: TargetInput): ProbeTarget {
  const kind = input.kind ?? 'http';
  const totalMs = input.timeouts?.totalMs ?? TARGET_DEFAULTS.totalMs;
  // Unset parts default to the documented values, but never beyond the total the person chose.
  const connectMs = input.timeouts?.connectMs ?? Math.min(TARGET_DEFAULTS.connectMs, totalMs);
  const firstByteMs = input.timeouts?.firstByteMs ?? Math.min(TARGET_DEFAULTS.firstByteMs, totalMs);
  const bodyIdleMs = input.timeouts?.bodyIdleMs ?? firstByteMs;
  const a = input.assertions;
  const assertions: ProbeAssertions = {
    status: a?.status ?? TARGET_DEFAULTS.status,
    bodyContains: a?.bodyContains === undefined ? [] : [a.bodyContains].flat(),
    bodyRegex: a?.bodyRegex === undefined ? [] : [a.bodyRegex].flat(),
    headers: Object.fromEntries(Object.entries(a?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const maintenance: MaintenanceWindow[] = (input.maintenance ?? []).map((w) => ({
    cron: w.cron.trim(),
    durationMinutes: w.durationMinutes,
    timeZone: w.timeZone ?? TARGET_DEFAULTS.maintenanceTimeZone,
  }));
  return {
    id: input.id,
    displayName: input.displayName ?? input.id,
    kind,
    url: targetUrl(input),
    resolver: input.resolver,
    tcp:
      kind === 'tcp'
        ? {
            banner:
              input.banner === undefined
                ? undefined
                : {
                    maxBytes: input.banner.maxBytes ?? TARGET_DEFAULTS.bannerMaxBytes,
                    // Half the total at most by default, so a banner without a line end still leaves time to judge it.
                    waitMs:
                      input.banner.waitMs ?? Math.min(TARGET_DEFAULTS.bannerWaitMs, Math.ceil(totalMs / 2)),
                    expect: input.banner.expect,
                  },
          }
        : undefined,
    dns:
      kind === 'dns'
        ? {
            name: input.name ?? '',
            recordType: input.recordType ?? 'A',
            expectedAnswers: input.expectedAnswers,
          }
        : undefined,
    expectedIp: input.expectedIp,
    method: input.method ?? TARGET_DEFAULTS.method,
    headers: input.headers ?? {},
    assertions,
    latencySloMs: input.latencySloMs,
    timeouts: { connectMs, firstByteMs, totalMs, bodyIdleMs },
    maxBodyBytes: input.maxBodyBytes ?? TARGET_DEFAULTS.maxBodyBytes,
    retries: input.retries ?? TARGET_DEFAULTS.retries,
    failureThreshold: input.failureThreshold ?? TARGET_DEFAULTS.failureThreshold,
    successThreshold: input.successThreshold ?? TARGET_DEFAULTS.successThreshold,
    maintenance,
    dependsOn: input.dependsOn,
    ca: input.ca,
    expectedService: input.expectedService,
    // Largest first, duplicates dropped: the notice names the smallest threshold already crossed.
    certExpiryDays: [...new Set(input.certExpiryDays ?? TARGET_DEFAULTS.certExpiryDays)].sort(
      (a, b) => b - a,
    ),
    ...(input.slo === undefined ? {} : { slo: toSlo(input.slo) }),
  };
}

export const probeTargetsSchema: z.ZodType<ProbeTarget[]> = z
  // A bare list reads naturally in an app setting; wrapping it keeps error paths as `targets[i]` either way.
  .preprocess(
    (doc) => (Array.isArray(doc) ? { targets: doc } : doc),
    z
      .object(
        { targets: z.array(targetSchema, { error: 'expected a list of targets' }) },
        { error: 'expected a list of targets, or an object with a "targets" list' },
      )
      .strict(),
  )
  .superRefine((doc, ctx) => {
    const firstIndex = new Map<string, number>();
    doc.targets.forEach((target, index) => {
      const key = target.id.toLowerCase();
      const first = firstIndex.get(key);
      if (first === undefined) firstIndex.set(key, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, 'id'],
          message: duplicateIdMessage(target.id, first),
        });
    });
  })
  .transform((doc) => doc.targets.map(toTarget));

function duplicateIdMessage(id: string, firstIndex: number): string {
  return `duplicate id "${id}" (already used by targets[${firstIndex}]; ids are compared ignoring case)`;
}

/** Duplicate ids found on the raw document, so they are listed with every other problem. */
const targetsCrossCheck: CrossCheck = (raw) =>
  duplicateKeyIssues(
    Array.isArray(raw)
      ? raw
      : raw !== null && typeof raw === 'object'
        ? (raw as Record<string, unknown>).targets
        : undefined,
    'targets',
    'id',
    duplicateIdMessage,
  );

/** Parses targets from text (tests, the local host); throws a `config_invalid` AppError listing every problem. */
export function parseProbeTargets(text: string, origin = 'probe targets'): ProbeTarget[] {
  return parseDocumentText(text, probeTargetsSchema, origin, 'config_invalid', targetsCrossCheck);
}

/** Loads the configured targets document (file or app setting); relative paths resolve against `appRoot`. */
export function loadProbeTargets(
  source: Config['probe']['targetsSource'],
  appRoot: string,
): Promise<LoadedDocument<ProbeTarget[]>> {
  return loadDocument(source, probeTargetsSchema, {
    settingName: 'PROBE_TARGETS',
    baseDir: appRoot,
    code: 'config_invalid',
    crossCheck: targetsCrossCheck,
  });
}
