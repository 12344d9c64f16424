/*
 * The live story `npm run local` tells while a scenario runs: short lines with the time since start.
 * The watchers read what a person would look at, through the host's own HTTP API (the audit trail
 * and the probe summary), so the narrative shows what the product did, not what the lab expected.
 */
import { type AvailabilityTally, availabilityTallySchema } from './ingestion-stand-in';

export type Say = (line: string) => void;

export interface Narrator {
  say: Say;
  /** Seconds since the lab started, for the line prefix. */
  readonly startedAt: number;
}

export function narrator(write: (text: string) => void, startedAt = Date.now()): Narrator {
  return {
    startedAt,
    say(line) {
      const seconds = Math.max(0, Math.round((Date.now() - startedAt) / 1000));
      write(`[lab +${String(seconds).padStart(3, ' ')}s] ${line}\n`);
    },
  };
}

/** `pe-fabrikam-web.3c1d…` → `pe-fabrikam-web`: the endpoint part of a connection name. */
export function endpointOf(connectionName: string): string {
  const dot = connectionName.lastIndexOf('.');
  return dot > 0 && /^[0-9a-f-]{36}$/i.test(connectionName.slice(dot + 1))
    ? connectionName.slice(0, dot)
    : connectionName;
}

interface DecisionRow {
  readonly kind: string;
  readonly decisionId: string;
  readonly connectionName: string;
  readonly action: string;
  readonly rule: string | null;
  readonly actor: { readonly kind: string; readonly name: string };
  readonly reason: string;
  readonly trigger: string;
  readonly result: string | null;
  readonly statusAfter: string | null;
  readonly errorCode: string | null;
}

/** One line for an audit row worth telling (outcomes and "left Pending" verdicts); undefined for intents. */
export function describeDecision(row: DecisionRow): string | undefined {
  const endpoint = endpointOf(row.connectionName);
  const who =
    row.actor.kind === 'policy'
      ? `policy${row.rule === null ? ' (default)' : ` rule ${row.rule}`}`
      : `${row.actor.name}`;
  const via =
    row.actor.kind === 'policy'
      ? `, via ${row.trigger === 'event' ? 'Event Grid event' : row.trigger === 'timer' ? 'reconciliation' : row.trigger}`
      : '';
  if (row.kind === 'verdict' && row.action === 'manual')
    return `${endpoint}: left Pending for a person by ${who}${via}`;
  if (row.kind !== 'outcome') return undefined;
  const terms = describeTerms(row, endpoint, who);
  if (terms !== null) return terms;
  const verb = row.action === 'approve' ? 'approved' : 'rejected';
  const given = givenReason(row.reason);
  switch (row.result) {
    case 'succeeded':
      return `${endpoint}: ${verb} by ${who}${via}${row.actor.kind === 'person' ? (given === undefined ? ' (no reason given)' : ` ("${given}")`) : ''}`;
    case 'failed':
      return `${endpoint}: ${verb.replace('ed', 'ing')} by ${who} failed (${row.errorCode ?? 'error'}); it will be retried`;
    case 'refused':
      // Say why ARM's state refused it; the row's reason is what was asked for, not why it was refused.
      return `${endpoint}: ${row.action} by ${who} refused${row.statusAfter === null ? '' : `: the connection is ${row.statusAfter}${row.statusAfter === 'Rejected' ? ' (final; the consumer must recreate the endpoint)' : ''}`}`;
    default:
      return undefined;
  }
}

/**
 * Rows of approvals that end and of the two-person rule (not approve/reject): null for a decision,
 * else the line (undefined when not worth telling, e.g. a step another instance already did).
 */
function describeTerms(row: DecisionRow, endpoint: string, who: string): string | undefined | null {
  const failed =
    row.result === 'failed' ? ` failed (${row.errorCode ?? 'error'}); the next run tries again` : '';
  const told = row.result === 'succeeded' || row.result === 'dry-run' || failed !== '';
  const dry = row.result === 'dry-run' ? ' (dry run: nothing written)' : '';
  switch (row.action) {
    case 'first-approval':
      return told ? `${endpoint}: first approval by ${who} (1 of 2), nothing written to ARM` : undefined;
    case 'renew':
      return told ? `${endpoint}: approval renewed by ${who}${dry}${failed}` : undefined;
    case 'expiry-reminder':
      return told
        ? `${endpoint}: its approval ends soon: reminder sent, "Access ends on …" on the connection${dry}${failed}`
        : undefined;
    case 'expiry-notice':
      return told
        ? `${endpoint}: its approval ended: "Access ended …" on the connection${dry}${failed}`
        : undefined;
    case 'expiry-removal':
      return told
        ? `${endpoint}: removed after its approval ended (the consumer sees Disconnected)${dry}${failed}`
        : undefined;
    default:
      return null;
  }
}

/** A person's own words, or undefined when none were given (the API fills in a default text then). */
function givenReason(reason: string | null | undefined): string | undefined {
  if (reason === null || reason === undefined || reason.trim() === '') return undefined;
  return reason === '' || /^(approved|rejected) by a person \(no reason given\)$/.test(reason)
    ? undefined
    : reason;
}

interface TargetRow {
  readonly id: string;
  readonly state: string;
  readonly lastResult: {
    readonly class: string | null;
    readonly connectionState: string | null;
    readonly reason: string | null;
  } | null;
}

/** A probe state change as one line; a change to DOWN on an Approved connection is an incident. */
export function describeProbeChange(target: TargetRow, from: string): string {
  const last = target.lastResult;
  const why =
    target.state === 'UP'
      ? 'IIS answers through the private endpoint'
      : [
          last?.class,
          last?.connectionState === null || last?.connectionState === undefined
            ? undefined
            : `connection ${last.connectionState}`,
        ]
          .filter((p) => p !== undefined && p !== null)
          .join(', ');
  const incident =
    target.state === 'DOWN' &&
    (last?.connectionState === 'Approved' ||
      last?.connectionState === null ||
      last?.connectionState === undefined) &&
    from === 'UP';
  return `${incident ? 'INCIDENT ' : ''}probe ${target.id}: ${from} → ${target.state}${why === '' ? '' : ` (${why})`}`;
}

export interface Watcher {
  stop(): Promise<void>;
}

/**
 * Reads something every `everyMs` and hands it to `onBody`; failures are told once, then quietly
 * retried. The lab reads over the host's HTTP API (lab-readers.ts); while it runs, the lab's logger
 * hides successful invocations, so this polling does not fill the log (`--verbose` shows it).
 */
export function poll(
  read: () => Promise<unknown>,
  everyMs: number,
  onBody: (body: unknown) => void,
  say: Say,
  what: string,
): Watcher {
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    inFlight = (async () => {
      try {
        const body = await read();
        failing = false;
        if (!stopped) onBody(body);
      } catch (error) {
        if (!failing && !stopped)
          say(`(cannot read ${what} yet: ${(error as Error).message.split('\n')[0]})`);
        failing = true;
      }
      if (!stopped) timer = setTimeout(tick, everyMs);
    })();
  };
  timer = setTimeout(tick, everyMs);
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight;
    },
  };
}

/** Tells every new decision of the audit trail (what GET /api/decisions returns). */
export function watchDecisions(read: () => Promise<unknown>, say: Say, everyMs = 2_000): Watcher {
  const seen = new Set<string>();
  return poll(
    read,
    everyMs,
    (body) => {
      const items = ((body as { items?: DecisionRow[] }).items ?? []).slice().reverse();
      for (const row of items) {
        const key = `${row.decisionId}:${row.kind}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const line = describeDecision(row);
        if (line !== undefined) say(line);
      }
    },
    say,
    'the audit trail',
  );
}

/** Tells every probe state change (what GET /api/probes/summary returns). */
export function watchProbes(read: () => Promise<unknown>, say: Say, everyMs = 2_000): Watcher {
  const states = new Map<string, string>();
  return poll(
    read,
    everyMs,
    (body) => {
      for (const target of (body as { targets?: TargetRow[] }).targets ?? []) {
        const before = states.get(target.id) ?? 'UNKNOWN';
        if (before === target.state) continue;
        states.set(target.id, target.state);
        say(describeProbeChange(target, before));
      }
    },
    say,
    'the probe summary',
  );
}

interface ProblemRow {
  readonly message: string;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  readonly issueCount: number;
}

interface FeatureRow {
  readonly state: string;
  readonly problem?: ProblemRow;
  /** Approval only: a failing or stopped reconciliation is a problem of its own. */
  readonly reconciliation?: { readonly problem?: ProblemRow };
}

/**
 * Tells each feature problem once when it appears (invalid policy, targets or settings, a failing
 * reconciliation) and once
 * when it is gone, so a broken file is not mistaken for a quiet lab.
 */
export function watchProblems(read: () => Promise<unknown>, say: Say, everyMs = 5_000): Watcher {
  const told = new Map<string, string>();
  return poll(
    read,
    everyMs,
    (body) => {
      const problems = Object.entries(body as Record<string, FeatureRow>).flatMap(([name, feature]) => [
        [name, feature.problem] as const,
        ...(feature.reconciliation === undefined
          ? []
          : [[`${name} reconciliation`, feature.reconciliation.problem] as const]),
      ]);
      for (const [name, problem] of problems) {
        const key = problem === undefined ? '' : `${problem.message}|${problem.issueCount}`;
        if ((told.get(name) ?? '') === key) continue;
        told.set(name, key);
        if (problem === undefined) {
          say(`fixed: ${name} works again`);
          continue;
        }
        const first = problem.issues[0];
        say(
          `PROBLEM ${name}: ${problem.message}${first === undefined ? '' : `; first: ${first.path}: ${first.message}`} (${problem.issueCount} in all; GET /api/health lists them)`,
        );
      }
    },
    say,
    'the health report',
  );
}

/** `availability: 14 results received (12 successful) for 2 tests`. */
export function describeAvailability(tally: AvailabilityTally): string {
  const tests = Object.keys(tally.tests).length;
  return `availability: ${tally.results} result${tally.results === 1 ? '' : 's'} received (${tally.successful} successful) for ${tests} test${tests === 1 ? '' : 's'}`;
}

/** Tells the ingestion stand-in's tally now and then, when it grew. */
export function watchAvailability(read: () => AvailabilityTally, say: Say, everyMs = 30_000): Watcher {
  let told = 0;
  return poll(
    async () => read(),
    everyMs,
    (body) => {
      const tally = availabilityTallySchema.parse(body);
      if (tally.results === told) return;
      told = tally.results;
      say(describeAvailability(tally));
    },
    say,
    'the availability tally',
  );
}
