import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { approveConnection } from './approveConnection';
import { dashboard } from './dashboard';
import { dashboardAsset } from './dashboardAsset';
import { evaluatePolicy } from './evaluatePolicy';
import { eventFastPath } from './eventFastPath';
import { getConnection } from './getConnection';
import { getLink } from './getLink';
import { health } from './health';
import { issueOnboardingCode } from './issueOnboardingCode';
import { listConnections } from './listConnections';
import { listDecisions } from './listDecisions';
import { listOnboardingCodes } from './listOnboardingCodes';
import { me } from './me';
import { metrics } from './metrics';
import { probeBadge } from './probeBadge';
import { probeEvents } from './probeEvents';
import { probeReport } from './probeReport';
import { probeSeries } from './probeSeries';
import { probesReport } from './probesReport';
import { probesSummary } from './probesSummary';
import { rejectConnection } from './rejectConnection';
import { revokeOnboardingCode } from './revokeOnboardingCode';

/**
 * Every HTTP function but openApiDocument, which documents these and itself (it imports this list;
 * functions/registry.ts lists it after them). Add an HTTP function here and its route, schemas and
 * words reach the OpenAPI document from its own file.
 */
export const HTTP_FUNCTIONS: readonly HttpFunctionDefinition[] = [
  health,
  probesSummary,
  probeSeries,
  probeEvents,
  probeBadge,
  metrics,
  probesReport,
  probeReport,
  dashboard,
  dashboardAsset,
  me,
  listConnections,
  getConnection,
  getLink,
  approveConnection,
  rejectConnection,
  listDecisions,
  eventFastPath,
  evaluatePolicy,
  issueOnboardingCode,
  listOnboardingCodes,
  revokeOnboardingCode,
];
