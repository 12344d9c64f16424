/*
 * Every secret value the settings hold, for the log redactor (shared/host/redacting-context.ts):
 * the storage connection string and its account key or SAS, the Application Insights connection
 * string and its instrumentation key, the metrics scrape token, every notification webhook URL and its tokens, and every probe
 * target's header values and URL query values. Read from the raw settings with no feature's schema
 * (the kernel knows no feature), tolerant of anything malformed: a setting that cannot be read adds
 * what can be found and never throws. Pure: a file's text is handed in by the caller.
 */
import { parse } from 'yaml';
import { PLAIN_REQUEST_HEADERS } from '../redact/redact';
import { urlQuerySecrets } from '../redact/url-query';
import type { Env } from './config';

/** Parts of a webhook URL at least this long are tokens (Slack's, Teams' path ids); shorter ones are words like `services`. */
const MIN_URL_TOKEN_LENGTH = 16;
/** Connection string keys whose values are credentials (Azure Storage and Application Insights formats). */
const CREDENTIAL_KEYS = new Set(['accountkey', 'sharedaccesssignature', 'instrumentationkey']);

export interface SecretSources {
  readonly env: Env;
  /** The text of a document setting given as a file (PROBE_TARGETS_PATH, NOTIFY_WEBHOOKS as a path), or undefined. */
  readonly readFile?: (path: string) => string | undefined;
}

export function configuredSecretValues({ env, readFile }: SecretSources): string[] {
  const secrets: string[] = [];
  for (const name of ['AzureWebJobsStorage', 'APPLICATIONINSIGHTS_CONNECTION_STRING']) {
    const value = env[name]?.trim();
    if (value) secrets.push(value, ...connectionStringCredentials(value));
  }
  // The metrics scrape token is a bearer credential as a whole.
  const scrapeToken = env.METRICS_SCRAPE_TOKEN?.trim();
  if (scrapeToken) secrets.push(scrapeToken);
  const webhooks = documentText(env.NOTIFY_WEBHOOKS, (text) => text.trimStart().startsWith('['), readFile);
  for (const entry of asList(tryParse(webhooks))) {
    const url = (entry as { url?: unknown } | null)?.url;
    if (typeof url === 'string') secrets.push(...webhookUrlSecrets(url));
  }
  const targetsText =
    env.PROBE_TARGETS?.trim() ||
    (env.PROBE_TARGETS_PATH?.trim() ? readFile?.(env.PROBE_TARGETS_PATH.trim()) : undefined);
  const targetsDoc = tryParse(targetsText);
  const targets = Array.isArray(targetsDoc)
    ? targetsDoc
    : asList((targetsDoc as { targets?: unknown } | null)?.targets);
  for (const target of targets) secrets.push(...targetSecretValues(target));
  return [...new Set(secrets.filter((s) => s !== ''))];
}

/** `AccountKey=...;SharedAccessSignature=...` values of a connection string. */
function connectionStringCredentials(text: string): string[] {
  return text
    .split(';')
    .map((part) => {
      const equals = part.indexOf('=');
      return equals === -1
        ? undefined
        : { key: part.slice(0, equals).trim().toLowerCase(), value: part.slice(equals + 1).trim() };
    })
    .filter((p) => p !== undefined && CREDENTIAL_KEYS.has(p.key))
    .map((p) => p?.value ?? '');
}

/** A webhook URL is the credential itself: the whole URL, its path and query, and each long path segment or query value. */
function webhookUrlSecrets(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [text];
  }
  const tokens = [...url.pathname.split('/'), ...urlQuerySecrets(url)].filter(
    (part) => part.length >= MIN_URL_TOKEN_LENGTH,
  );
  // The path and query alone only when long enough to be a token: `/` would otherwise be a "secret".
  const pathAndQuery = `${url.pathname}${url.search}`;
  return [text, url.href, ...(pathAndQuery.length >= MIN_URL_TOKEN_LENGTH ? [pathAndQuery] : []), ...tokens];
}

function targetSecretValues(target: unknown): string[] {
  if (target === null || typeof target !== 'object') return [];
  const { headers, url } = target as { headers?: unknown; url?: unknown };
  const values: string[] = [];
  if (headers !== null && typeof headers === 'object')
    for (const [name, value] of Object.entries(headers))
      if (typeof value === 'string' && !PLAIN_REQUEST_HEADERS.has(name.toLowerCase()))
        values.push(value.trim());
  if (typeof url === 'string') {
    try {
      values.push(...urlQuerySecrets(new URL(url)));
    } catch {
      // Not a URL: the probe refuses it at load time, and nothing of it is sent.
    }
  }
  return values;
}

function documentText(
  value: string | undefined,
  isInline: (text: string) => boolean,
  readFile: SecretSources['readFile'],
): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  return isInline(text) ? text : readFile?.(text);
}

function tryParse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    // The same alias bound as the loaders (document-loader.ts): a bomb is not expanded here either.
    return parse(text, { maxAliasCount: 50 });
  } catch {
    return undefined;
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
