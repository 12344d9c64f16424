/* What the manual-approval API's use cases need: settings, time, the approval path and the policy. */

import type { Policy } from '../../approval/core/policy/policy';
import type { ApprovalServices } from '../../approval/use-cases/approval-services';
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';

export interface ApprovalApiDeps {
  readonly config: Config;
  readonly clock: Clock;
  approvalServices(): Promise<ApprovalServices>;
  approvalPolicy(): Promise<Policy>;
}
