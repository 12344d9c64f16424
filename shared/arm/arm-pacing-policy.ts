import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ArmMetrics } from './arm-metrics';
import {
  ArmPacer,
  type ArmPacingOptions,
  armRateClassOf,
  REMAINING_HEADERS,
  remainingFrom,
} from './arm-pacing';
import { abortableSleep } from './arm-retry-policy';

/**
 * The pipeline policy that holds each attempt as the pacer says (see arm-pacing.ts). It sits inside
 * our retry policy, so every attempt, retries included, is paced; one per client, i.e. per subscription,
 * as ARM's buckets are per subscription and principal and a client has one principal.
 */
export const ARM_PACING_POLICY_NAME = 'armPacingPolicy';

export function armPacingPolicy(
  options: ArmPacingOptions,
  deps: { readonly metrics?: ArmMetrics; readonly pacer?: ArmPacer } = {},
): PipelinePolicy {
  const pacer = deps.pacer ?? new ArmPacer(options);
  return {
    name: ARM_PACING_POLICY_NAME,
    async sendRequest(request, next) {
      const rateClass = armRateClassOf(request.method);
      let reservation = pacer.reserve(rateClass, performance.now());
      while ('untilAnswered' in reservation) {
        await reservation.untilAnswered;
        reservation = pacer.reserve(rateClass, performance.now());
      }
      const wait = reservation.waitMs;
      let settled = false;
      try {
        if (wait > 0) {
          deps.metrics?.recordPacing(wait);
          await abortableSleep(wait, request.abortSignal);
        }
        const response = await next(request);
        pacer.settle(
          rateClass,
          remainingFrom(response.headers.get(REMAINING_HEADERS[rateClass])),
          response.status === 429,
        );
        settled = true;
        return response;
      } catch (error) {
        const response = (
          error as { response?: { status: number; headers: { get(n: string): string | undefined } } }
        ).response;
        if (!settled) {
          pacer.settle(
            rateClass,
            remainingFrom(response?.headers.get(REMAINING_HEADERS[rateClass])),
            response?.status === 429,
          );
        }
        throw error;
      }
    },
  };
}
