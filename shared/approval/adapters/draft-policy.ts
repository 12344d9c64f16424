import { yieldToEventLoop } from '../../async/one-at-a-time';
import { readDocumentText } from '../../config/document-loader';
import { AppError, type FieldIssue, formatIssues } from '../../errors';
import { checkDraftLimits, type DraftPattern } from '../core/policy/draft-limits';
import { compileMessageRegex, compileNamePattern } from '../core/policy/pattern';
import type { Policy } from '../core/policy/policy';
import { policyFromValue } from './policy-loader';

/**
 * CPU time one draft may spend compiling its patterns and building their first match state, measured
 * over its own slices. DRAFT_LIMITS keeps a draft far below it (bench/evaluate-attack.ts); this is
 * the backstop for a cost the size estimate does not see.
 */
export const DRAFT_PREPARE_BUDGET_MS = 1_000;

/**
 * A text in which every pattern is run once, so RE2 builds a pattern's first match state (its
 * costly part: re2js builds its DFA's character classes over the whole program on the first match)
 * here, one pattern per turn of the event loop, and not all at once during the evaluation.
 */
const WARM_UP_TEXT =
  'pe-web-01 CHG1234567 Warm-up: ÄÖÜ ß 東京 Ωμέγα 0123456789 !"#$%&()*+,-./:;<=>?@[]^_{|}~';

/**
 * Parses a policy sent in a request (the dry run's draft) without holding the event loop: the raw
 * document is held to DRAFT_LIMITS before anything is compiled, then each pattern is compiled and run
 * once in its own turn of the event loop within DRAFT_PREPARE_BUDGET_MS, and only then is the
 * document validated and compiled as a whole (its patterns come from the compile cache). Problems are
 * `policy_invalid` with every issue and its path, as parsePolicy reports them.
 */
export async function parseDraftPolicy(
  text: string,
  origin: string,
  budgetMs = DRAFT_PREPARE_BUDGET_MS,
): Promise<Policy> {
  const raw = readDocumentText(text, origin, 'policy_invalid');
  const check = checkDraftLimits(raw);
  if (check.issues.length > 0) throw invalid(origin, check.issues);
  let spentMs = 0;
  for (const pattern of check.patterns) {
    // CPU time, not wall time: a busy machine slows every slice down but must not refuse a fair draft.
    const started = process.cpuUsage();
    prepare(pattern);
    const used = process.cpuUsage(started);
    spentMs += (used.user + used.system) / 1000;
    if (spentMs >= budgetMs) {
      throw invalid(origin, [
        {
          path: pattern.path,
          message: `the draft's patterns used up their ${budgetMs} ms of CPU time to compile by this one; use fewer or simpler patterns`,
        },
      ]);
    }
    await yieldToEventLoop();
  }
  return policyFromValue(raw, origin);
}

/** Compiles one pattern the way the policy schema will (same cache key) and runs it once. */
function prepare(pattern: DraftPattern): void {
  // A pattern that does not compile is reported by the schema, with every other problem.
  if (pattern.kind === 'message') {
    const compiled = compileMessageRegex(pattern.text);
    if (compiled.ok) compiled.value.test(WARM_UP_TEXT);
    return;
  }
  const compiled = compileNamePattern(pattern.text);
  if (compiled.ok) compiled.value.test(WARM_UP_TEXT);
}

function invalid(origin: string, issues: readonly FieldIssue[]): AppError {
  return new AppError(
    'policy_invalid',
    `${origin} has ${issues.length} problem(s):\n${formatIssues(issues)}`,
    {
      issues,
    },
  );
}
