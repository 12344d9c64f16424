/*
 * Probe URLs may carry credentials in their query (`?code=` of a function key, `sig=` of a SAS,
 * `token=`). The probe must send them, so they are accepted, but no URL is stored, logged, returned
 * or exported with them: every query value is replaced (names stay, so the URL still says what it
 * is), and every value is a configured secret of the target, so an echo of it is redacted too. Pure.
 */
import { REDACTED } from './redact';

/**
 * `http://10.0.0.5/api/x?code=abc&page=2#top` → `http://10.0.0.5/api/x?code=[redacted]&page=[redacted]`.
 * Every value goes, secret-looking or not (nothing tells a token from a page number); empty values
 * stay empty; a part without `=` could itself be a token and goes whole. The fragment is dropped.
 * Works on any string (a row written before this rule included), URL or not.
 */
export function redactUrlQuery(url: string | URL): string {
  const text = url.toString();
  const hash = text.indexOf('#');
  const withoutHash = hash === -1 ? text : text.slice(0, hash);
  const question = withoutHash.indexOf('?');
  if (question === -1) return withoutHash;
  const query = withoutHash.slice(question + 1);
  const parts = query.split('&').map((part) => {
    if (part === '') return part;
    const equals = part.indexOf('=');
    if (equals === -1) return REDACTED;
    return equals === part.length - 1 ? part : `${part.slice(0, equals + 1)}${REDACTED}`;
  });
  return `${withoutHash.slice(0, question)}?${parts.join('&')}`;
}

/** The query's values as sent (percent-encoded) and as meant (decoded), and bare parts: the secrets an echo may show. */
export function urlQuerySecrets(url: URL): string[] {
  const secrets: string[] = [];
  for (const part of url.search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const raw = equals === -1 ? part : part.slice(equals + 1);
    secrets.push(raw, formDecoded(raw));
  }
  return [...new Set(secrets.filter((s) => s !== ''))];
}

/** As a server reads a query value: `+` is a space, `%XX` a byte (malformed escapes are left as they are). */
function formDecoded(raw: string): string {
  const spaced = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
