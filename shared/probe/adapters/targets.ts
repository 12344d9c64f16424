/*
 * The probe targets document: a file (PROBE_TARGETS_PATH) or an app setting (PROBE_TARGETS), YAML or
 * JSON, either a list of targets or `{ targets: [...] }`. Every problem is reported with its path,
 * e.g. `targets[1].assertions.status[0]: expected a status code or range like "200-299"`.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { Cron } from 'croner';
import { z } from 'zod';
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
import type { SloObjective } from '../core/slo';
import type { MaintenanceWindow, ProbeAssertions, ProbeTarget, StatusRange } from '../core/types';

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
  // The SRE workbook's examples use a 30-day window; 95 % is the usual latency share.
  sloWindow: '30d',
  sloLatencyTarget: 95,
} as const;

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

const targetSchema = z
  .object({
    id: z
      .string()
      .regex(ID_PATTERN, 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
    displayName: z.string().min(1).max(200).optional(),
    url: urlSchema,
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
    slo: sloSchema.optional(),
  })
  .strict();

type TargetInput = z.output<typeof targetSchema>;

function toTarget(input: TargetInput): ProbeTarget {
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
    url: input.url,
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
