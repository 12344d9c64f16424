import type { FunctionDefinition } from '../shared/host/function-definition';
import { approveConnection } from './approveConnection';
import { cleanupProbeResults } from './cleanupProbeResults';
import { dashboard } from './dashboard';
import { dashboardAsset } from './dashboardAsset';
import { deliverNotification } from './deliverNotification';
import { evaluatePolicy } from './evaluatePolicy';
import { eventFastPath } from './eventFastPath';
import { getConnection } from './getConnection';
import { health } from './health';
import { listConnections } from './listConnections';
import { listDecisions } from './listDecisions';
import { me } from './me';
import { onConnectionEvent } from './onConnectionEvent';
import { openApiDocument } from './openApiDocument';
import { probeEndpoints } from './probeEndpoints';
import { probeEvents } from './probeEvents';
import { probeSeries } from './probeSeries';
import { probesSummary } from './probesSummary';
import { probeTarget } from './probeTarget';
import { reconcileConnections } from './reconcileConnections';
import { reconcileQueuedPls } from './reconcileQueuedPls';
import { rejectConnection } from './rejectConnection';
import { sweepNotifications } from './sweepNotifications';

/**
 * Every function of the app. The real host's entry (functions/index.ts) and the local host both
 * register from this list. Add a function by adding its file under functions/ and one line here.
 */
export const FUNCTIONS: readonly FunctionDefinition[] = [
  health,
  probeEndpoints,
  probeTarget,
  cleanupProbeResults,
  probesSummary,
  probeSeries,
  probeEvents,
  dashboard,
  dashboardAsset,
  me,
  onConnectionEvent,
  reconcileConnections,
  reconcileQueuedPls,
  listConnections,
  getConnection,
  approveConnection,
  rejectConnection,
  listDecisions,
  eventFastPath,
  evaluatePolicy,
  openApiDocument,
  deliverNotification,
  sweepNotifications,
];
