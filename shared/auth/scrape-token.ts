/*
 * Who may scrape GET /api/metrics. With METRICS_SCRAPE_TOKEN set, the bearer token is the only
 * credential: the route is then left out of App Service Authentication (so a Prometheus server
 * without an Entra token can reach it), and where that module does not run it neither strips nor
 * vouches for `x-ms-client-principal` — a principal header there could be anyone's, so none is
 * accepted in place of the token. Without the token the route is a reader route like the others.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config/config';
import { AppError } from '../errors';
import { authorizeRequest } from './principal';

/** `Authorization: Bearer <token>` (RFC 6750 section 2.1; the scheme is case-insensitive, RFC 9110 section 11.1). */
const BEARER = /^Bearer +(\S+) *$/i;

export function authorizeMetricsScrape(request: HttpRequest, config: Config): void {
  const expected = config.auth.metricsScrapeToken;
  if (expected === undefined) {
    authorizeRequest(request, config, 'read');
    return;
  }
  const offered = BEARER.exec(request.headers.get('authorization') ?? '')?.[1];
  if (offered === undefined || !sameToken(offered, expected))
    throw new AppError(
      'unauthenticated',
      'Unauthenticated: this route needs the metrics scrape token (Authorization: Bearer).',
    );
}

/**
 * Compared as SHA-256 digests with timingSafeEqual: equal lengths whatever was offered, so neither
 * the length nor how much of the token a guess got right shows in the time taken.
 */
function sameToken(offered: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}
