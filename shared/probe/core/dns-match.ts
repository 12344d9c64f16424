/*
 * How a DNS answer is compared with what a target expects. Kept pure (no sockets) so the rule that
 * turns "DNS returned the public address" into DNS_MISMATCH is one function every kind shares.
 */
import type { DnsRecordType, ProbeFailure, ProbePhase } from './types';

/** Address-shaped text (core stays free of node:net); answers of A/AAAA queries are already valid addresses. */
function looksLikeIp(text: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(text) || /^[0-9a-f:.]*:[0-9a-f:.]*$/i.test(text);
}

/** `::ffff:10.0.0.5` and `10.0.0.5` are the same endpoint; IPv6 text forms vary in case. */
export function sameIp(expected: string, actual: string): boolean {
  return normalizeIp(expected) === normalizeIp(actual);
}

function normalizeIp(ip: string): string {
  return ip.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/**
 * An answer in the form it is compared in: addresses normalised, names lower case without the
 * root dot (DNS names compare case-insensitively, RFC 4343), TXT text as given.
 */
export function normalizeAnswer(type: DnsRecordType, answer: string): string {
  if (type === 'TXT') return answer;
  if (looksLikeIp(answer)) return normalizeIp(answer);
  return answer.toLowerCase().replace(/\.$/, '');
}

/** The same set of answers, order and duplicates aside. */
export function answersMatch(
  type: DnsRecordType,
  expected: readonly string[],
  actual: readonly string[],
): boolean {
  const want = new Set(expected.map((a) => normalizeAnswer(type, a)));
  const got = new Set(actual.map((a) => normalizeAnswer(type, a)));
  return want.size === got.size && [...want].every((a) => got.has(a));
}

/**
 * Fail closed: every address the resolver gave must be the private endpoint's. One public address
 * among the answers is enough for a client to leave the private path, so it is a mismatch too.
 */
export function ipAnswersMatch(expectedIp: string, answers: readonly string[]): boolean {
  return answers.length > 0 && answers.every((a) => sameIp(expectedIp, a));
}

const MAX_SHOWN = 8;

/** The answers for a message: a few, quoted when they are text. */
export function describeAnswers(answers: readonly string[]): string {
  if (answers.length === 0) return 'no answer';
  const shown = answers
    .slice(0, MAX_SHOWN)
    .map((a) => (looksLikeIp(a) ? a : JSON.stringify(a.slice(0, 200))));
  return `${shown.join(', ')}${answers.length > MAX_SHOWN ? ` and ${answers.length - MAX_SHOWN} more` : ''}`;
}

export function dnsMismatch(phase: ProbePhase, message: string): ProbeFailure {
  return { class: 'DNS_MISMATCH', phase, code: 'DNS_MISMATCH', message };
}
