import { watchNewConnections as watchPass } from '../shared/approval/use-cases/watch-new-connections';
import { getContainer } from '../shared/composition-root';
import type { TimerFunctionDefinition } from '../shared/host/function-definition';

/**
 * Timer: the cheap "what is new" pass. Every tick asks whether a pass is due (one instance wins each
 * period); a due pass lists what is new and hands each PLS with something unsettled to the normal
 * decision path. The reconciliation timer stays the full sweep.
 */
export const watchNewConnections: TimerFunctionDefinition = {
  name: 'watchNewConnections',
  kind: 'timer',
  options: { schedule: '%WATCH_SCHEDULE%' },
  handler: async (_timer, context) => {
    const container = getContainer();
    const deps = await container.watchServices();
    await watchPass(deps, () => container.approvalPolicy(), {
      correlationId: context.invocationId,
      log: context,
    });
  },
};
