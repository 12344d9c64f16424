/*
 * What of a probe target is secret: every request header value (but a few standard headers that
 * never carry a credential) and every value of its URL's query. A target that echoes requests sends
 * these back, so its results are redacted of them (shared/redact/redact.ts). Pure.
 */
import { MIN_SUBSTRING_SECRET_LENGTH, PLAIN_REQUEST_HEADERS } from '../../redact/redact';
import { urlQuerySecrets } from '../../redact/url-query';
import type { ProbeTarget } from './types';

/** Where a secret of a target was configured: `headers.X-Api-Key` or `url` (a query value). */
export interface TargetSecret {
  readonly field: string;
  readonly value: string;
}

export function targetSecrets(target: Pick<ProbeTarget, 'headers' | 'url'>): TargetSecret[] {
  const headers = Object.entries(target.headers)
    .filter(([name]) => !PLAIN_REQUEST_HEADERS.has(name.toLowerCase()))
    .map(([name, value]) => ({ field: `headers.${name}`, value: value.trim() }));
  const query = urlQuerySecrets(target.url).map((value) => ({ field: 'url', value }));
  return [...headers, ...query].filter((s) => s.value !== '');
}

/**
 * One line per secret shorter than MIN_SUBSTRING_SECRET_LENGTH, naming where it is (`targets[2].url`; no
 * `field: ` shape, which the log redactor would read as a header line):
 * it is redacted only where it stands alone, so the same characters inside a longer word stay, and a
 * value this short is guessable anyway.
 */
export function shortSecretWarnings(targets: readonly Pick<ProbeTarget, 'headers' | 'url'>[]): string[] {
  const warnings: string[] = [];
  targets.forEach((target, index) => {
    const fields = new Set(
      targetSecrets(target)
        .filter((s) => s.value.length < MIN_SUBSTRING_SECRET_LENGTH)
        .map((s) => s.field),
    );
    for (const field of fields)
      warnings.push(
        `targets[${index}].${field} holds a value shorter than ${MIN_SUBSTRING_SECRET_LENGTH} characters, treated as a secret but redacted only where it stands alone; use a longer one`,
      );
  });
  return warnings;
}
