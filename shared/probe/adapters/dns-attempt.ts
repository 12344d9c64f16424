/*
 * One dns attempt: ask the target's resolver (or the system's) for one record type of one name and
 * compare the answers with the expected ones. Only the DNS phase applies; every other phase is
 * null, so the result is stored, summarised and notified like an http result.
 */
import { classifyError, PROBE_CODES, ProbeAbort } from '../core/classify-failure';
import { answersMatch, describeAnswers, dnsMismatch } from '../core/dns-match';
import type { ProbeAttempt, ProbeFailure } from '../core/types';
import { AttemptTimers } from './attempt-timers';
import { type AttemptInput, redactorFor } from './http-attempt';
import { queryRecords, serverAddress } from './named-resolver';

export async function runDnsAttempt(input: AttemptInput): Promise<ProbeAttempt> {
  const { target, signal } = input;
  const check = target.dns;
  if (check === undefined) throw new Error(`target ${target.id} is not a dns target`);
  const startedAt = new Date();
  const timers = new AttemptTimers();
  const { connectMs, totalMs } = target.timeouts;
  // The lookup is the whole attempt: the tighter of the two deadlines bounds it.
  const limitMs = Math.min(connectMs, totalMs);
  const start = performance.now();
  let failure: ProbeFailure | null = null;
  let answers: string[] | undefined;
  let answeredAt: number | null = null;
  const query = queryRecords(target.resolver, check.name, check.recordType, limitMs);
  const via = target.resolver === undefined ? 'the system resolver' : serverAddress(target.resolver);
  try {
    answers = await new Promise<string[] | undefined>((resolve, reject) => {
      const stop = (f: ProbeFailure) => reject(new ProbeAbort(f));
      timers.start(limitMs, () =>
        stop({
          class: 'DNS',
          phase: 'dns',
          code: PROBE_CODES.dnsTimeout,
          message: `${via} did not answer for ${check.name} (${check.recordType}) within ${limitMs} ms`,
        }),
      );
      const onAbort = () =>
        stop({
          class: 'DEADLINE',
          phase: 'dns',
          code: PROBE_CODES.runDeadline,
          message: "the run's deadline passed",
        });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      query.answers
        .then(
          (a) => {
            answeredAt = performance.now();
            resolve(a);
          },
          (error: unknown) => {
            answeredAt = performance.now();
            reject(error);
          },
        )
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  } catch (error) {
    failure = error instanceof ProbeAbort ? error.failure : classifyError(error, 'dns');
    if (!(error instanceof ProbeAbort)) {
      failure = { ...failure, message: `${check.name} (${check.recordType}) via ${via}: ${failure.message}` };
    }
  } finally {
    timers.clearAll();
    query.cancel();
  }
  const end = performance.now();
  if (failure === null && answers !== undefined) {
    if (answers.length === 0) {
      failure = {
        class: 'DNS',
        phase: 'dns',
        code: 'ENODATA',
        message: `${check.name} has no ${check.recordType} record`,
      };
    } else if (
      check.expectedAnswers !== undefined &&
      !answersMatch(check.recordType, check.expectedAnswers, answers)
    ) {
      failure = dnsMismatch(
        'dns',
        `${check.name} (${check.recordType}) via ${via} answered ${describeAnswers(answers)}, expected ${describeAnswers(check.expectedAnswers)}`,
      );
    }
  }
  const clean = redactorFor(target);
  const addressAnswer =
    check.recordType === 'A' || check.recordType === 'AAAA' ? (answers?.[0] ?? null) : null;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    attempt: input.attempt,
    startedAt: startedAt.toISOString(),
    timings: {
      dnsMs: answeredAt === null ? null : round(answeredAt - start),
      tcpMs: null,
      tlsMs: null,
      ttfbMs: null,
      transferMs: null,
      totalMs: round(end - start),
      firstByteAtMs: null,
    },
    resolvedIp: addressAnswer,
    expectedIpMatches: null,
    localAddress: null,
    localPort: null,
    httpVersion: null,
    statusCode: null,
    serverHeader: null,
    bodyBytes: null,
    bodySha256: null,
    bodyExcerpt: null,
    tls: null,
    failure: failure === null ? null : { ...failure, message: clean(failure.message) },
    ...(answers === undefined ? {} : { dnsAnswers: answers.map(clean) }),
  };
}
