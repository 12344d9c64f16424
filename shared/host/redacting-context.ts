import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { format } from 'node:util';
import type { InvocationContext } from '@azure/functions';
import { type Redactor, redactor } from '../redact/redact';
import { findAppRoot } from './app-root';

/*
 * Every log line of every invocation passes a redactor of the secrets the settings hold
 * (shared/config/configured-secrets.ts): whatever a use case, an SDK error or a thrown message puts
 * into a line, no configured key, token or webhook URL reaches the log in any spelling
 * (shared/redact/redact.ts). lazy-function.ts hands each invocation this context instead of the
 * host's. Nothing else changes: the other members are the host's own.
 */

const LOG_METHODS = new Set<PropertyKey>(['log', 'trace', 'debug', 'info', 'warn', 'error']);

/** The host's context, its log methods redacting every line. */
export function redactingContext(context: InvocationContext, clean: Redactor): InvocationContext {
  return new Proxy(context, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (!LOG_METHODS.has(property) || typeof value !== 'function') return value;
      // One string is the line as is (format would read `%s` in it); anything else is formatted as the host would.
      return (...args: unknown[]) =>
        (value as (line: string) => void).call(
          target,
          clean(args.length === 1 && typeof args[0] === 'string' ? args[0] : format(...args)),
        );
    },
  });
}

/** The settings configuredSecretValues reads; the redactor is rebuilt only when one of them changes. */
const SECRET_SETTINGS = [
  'AzureWebJobsStorage',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'METRICS_SCRAPE_TOKEN',
  'NOTIFY_WEBHOOKS',
  'PROBE_TARGETS',
  'PROBE_TARGETS_PATH',
] as const;

let cached: { readonly key: string; readonly redactor: Redactor } | undefined;

/**
 * One redactor per process and settings, from the app settings (the process environment in the
 * worker): built on the first invocation, again only if a secret-bearing setting changed (tests).
 * The settings reader (with its YAML parser) is imported then, not at cold start: the deployed
 * entry holds registrations only (scripts/build-bundle.ts).
 */
export async function processRedactor(): Promise<Redactor> {
  const key = SECRET_SETTINGS.map((name) => process.env[name] ?? '').join('\u0000');
  if (cached?.key !== key) {
    const { configuredSecretValues } = await import('../config/configured-secrets');
    cached = { key, redactor: redactor(configuredSecretValues({ env: process.env, readFile: readAppFile })) };
  }
  return cached.redactor;
}

/** The invocation's context with redacted logs (see processRedactor). */
export async function invocationContext(hostContext: InvocationContext): Promise<InvocationContext> {
  return redactingContext(hostContext, await processRedactor());
}

/** A document setting given as a path, relative to the app root as the loaders read it; undefined when unreadable. */
function readAppFile(path: string): string | undefined {
  try {
    return readFileSync(isAbsolute(path) ? path : join(findAppRoot(__dirname), path), 'utf8');
  } catch {
    return undefined;
  }
}
