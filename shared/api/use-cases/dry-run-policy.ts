import type { z } from 'zod';
import { type CapturedConnection, captureConnection, factsOf } from '../../approval/core/captured-connection';
import { approvedByPerson } from '../../approval/core/connection-record';
import type { OnboardingCodeFact } from '../../approval/core/onboarding-code-rules';
import { type Policy, usesOnboardingCodes } from '../../approval/core/policy/policy';
import type { ApprovalServices } from '../../approval/use-cases/approval-services';
import { checkOnboardingCodes } from '../../approval/use-cases/onboarding-codes';
import {
  consumerSubscriptionOf,
  formatPlsConnectionId,
  plsNameOf,
  sameResourceId,
  tryParsePrivateEndpointId,
} from '../../arm/resource-id';
import { OneAtATime, yieldToEventLoop } from '../../async/one-at-a-time';
import { AppError, isAppError } from '../../errors';
import { type Log, silentLog } from '../../log';
import type {
  EvaluateResult,
  Evaluation,
  evaluatePolicyBodySchema,
  HypotheticalConnection,
  PlsRef,
} from '../core/api-schemas';
import { isIdReference } from '../core/arm-names';
import { approvedCounts, policyVerdictFor } from '../core/policy-verdict';
import type { ApprovalApiDeps } from './api-deps';
import { readPls, sortKey } from './connection-reader';
import { managedPrivateLinkServices, resolvePlsAmong } from './managed-pls';

export type EvaluateBody = z.output<typeof evaluatePolicyBodySchema>;

/**
 * POST /policy/evaluate: what a policy (the current one, or a draft in the body) would do to every
 * current connection, or to one hypothetical connection, and why. Reads ARM and the tenant cache;
 * writes nothing: no audit row, no connection record, no ARM call but reads.
 */
export async function dryRunPolicy(
  container: ApprovalApiDeps,
  body: EvaluateBody,
  log: Log,
): Promise<EvaluateResult> {
  // A draft is compiled and matched here, on the request path: one at a time per instance (see draftTurns).
  if (body.policy !== undefined) return draftTurns.run(() => dryRun(container, body, log));
  return dryRun(container, body, log);
}

/**
 * Dry runs of a draft policy, one at a time per instance, at most 8 waiting. Any reader may send a
 * draft, and its patterns cost CPU to compile and match: run side by side, each request's slices
 * would add up between two turns of the event loop for everything else (health included). A full
 * line answers 429 with Retry-After.
 */
const draftTurns = new OneAtATime(
  8,
  () =>
    new AppError(
      'too_many_requests',
      'Other policy dry runs are waiting on this instance; try again shortly.',
      {
        retryAfterSeconds: 1,
      },
    ),
);

async function dryRun(container: ApprovalApiDeps, body: EvaluateBody, log: Log): Promise<EvaluateResult> {
  const { policy, source } = await policyToTry(container, body.policy);
  const services = await container.approvalServices();
  const evaluations =
    body.connection === undefined
      ? await evaluateCurrent(services, policy, log)
      : [await evaluateHypothetical(services, policy, body.connection, log)];
  const summary = { approve: 0, reject: 0, manual: 0 };
  for (const e of evaluations) summary[e.verdict.action]++;
  return {
    policy: {
      source,
      version: policy.version,
      rules: policy.rules.length,
      defaultAction: policy.default.action,
    },
    evaluations,
    summary,
  };
}

async function policyToTry(
  container: ApprovalApiDeps,
  given: EvaluateBody['policy'],
): Promise<{ policy: Policy; source: 'current' | 'request' }> {
  if (given === undefined) return { policy: await container.approvalPolicy(), source: 'current' };
  const { parseDraftPolicy } = await import('../../approval/adapters/draft-policy');
  // JSON is YAML, so an object goes through the same parser (and the same error paths) as text.
  const text = typeof given === 'string' ? given : JSON.stringify(given);
  try {
    return { policy: await parseDraftPolicy(text, 'the policy in the body'), source: 'request' };
  } catch (error) {
    // A draft under test is the caller's input: its problems are a 400, each with its path in the body.
    if (isAppError(error) && error.code === 'policy_invalid') {
      const issues = error.issues.map((i) => ({ path: `policy.${i.path}`, message: i.message }));
      throw new AppError('validation_failed', `The policy in the body has ${issues.length} problem(s).`, {
        issues,
      });
    }
    throw error;
  }
}

async function evaluateCurrent(services: ApprovalServices, policy: Policy, log: Log): Promise<Evaluation[]> {
  const out: Evaluation[] = [];
  for (const pls of await managedPrivateLinkServices(services, log)) {
    const reading = await readPls(services, pls);
    // Codes are checked as the policy would check them, taking no place in their counts.
    const codes = usesOnboardingCodes(policy)
      ? await checkOnboardingCodes(services, reading.captures, { take: false, log: silentLog })
      : undefined;
    for (const capture of reading.captures) {
      // One connection per turn of the event loop: a PLS may hold a thousand, each matched by every rule.
      await yieldToEventLoop();
      const record = reading.records.get(sortKey(capture));
      out.push(
        evaluation(
          pls,
          capture,
          false,
          policy,
          reading.counts,
          services.clock.now(),
          approvedByPerson(record, capture.status),
          codes?.get(capture.connection.name),
        ),
      );
    }
  }
  return out;
}

async function evaluateHypothetical(
  services: ApprovalServices,
  policy: Policy,
  given: HypotheticalConnection,
  log: Log,
): Promise<Evaluation> {
  const all = await managedPrivateLinkServices(services, log);
  const pls: PlsRef = isIdReference(given.pls)
    ? (all.find((p) => sameResourceId(p.id, given.pls)) ?? {
        id: given.pls,
        name: plsNameOf(given.pls),
      })
    : resolvePlsAmong(all, given.pls, 'connection.pls');
  const subscription = consumerSubscriptionOf(given.privateEndpointId);
  const tenant = given.consumerTenantId?.toLowerCase() ?? (await services.tenants.tenantOf(subscription));
  const status = given.status ?? 'Pending';
  // The schema checked the id, so it parses; a name is needed either way.
  const endpointName = tryParsePrivateEndpointId(given.privateEndpointId)?.name ?? 'endpoint';
  const name = given.name ?? `${endpointName}.hypothetical`;
  const capture = captureConnection(
    {
      id: formatPlsConnectionId(pls.id, name),
      name,
      plsId: pls.id,
      privateEndpointId: given.privateEndpointId,
      privateEndpointLocation: given.privateEndpointLocation,
      status,
      description: status === 'Pending' ? given.requestMessage : undefined,
      actionsRequired: undefined,
      linkIdentifier: undefined,
      provisioningState: 'Succeeded',
      etag: undefined,
    },
    { consumerTenantId: tenant, earlierRequestMessage: given.requestMessage },
  );
  // Quotas count the PLS's real approved connections when it is managed; a foreign PLS has none we know of.
  const managed = all.some((p) => sameResourceId(p.id, pls.id));
  const counts = managed ? (await readPls(services, pls)).counts : approvedCounts([]);
  return evaluation(pls, capture, true, policy, counts, services.clock.now(), false);
}

function evaluation(
  pls: PlsRef,
  capture: CapturedConnection,
  hypothetical: boolean,
  policy: Policy,
  counts: ReturnType<typeof approvedCounts>,
  now: Date,
  approvedByPerson: boolean,
  onboardingCode?: OnboardingCodeFact,
): Evaluation {
  return {
    connection: {
      pls,
      name: capture.connection.name,
      id: hypothetical ? null : capture.connection.id,
      status: capture.status,
      privateEndpointId: capture.connection.privateEndpointId ?? null,
      consumerSubscriptionId: capture.consumerSubscriptionId ?? null,
      consumerTenantId: capture.consumerTenantId ?? null,
      requestMessage: capture.requestMessage ?? null,
      hypothetical,
    },
    verdict: policyVerdictFor(policy, { ...factsOf(capture), onboardingCode }, counts, {
      now,
      approvedByPerson,
    }),
  };
}
