import type { FunctionDefinition } from '../shared/host/function-definition';
import { cleanupProbeResults } from './cleanupProbeResults';
import { deliverNotification } from './deliverNotification';
import { HTTP_FUNCTIONS } from './http-registry';
import { onConnectionEvent } from './onConnectionEvent';
import { openApiDocument } from './openApiDocument';
import { probeEndpoints } from './probeEndpoints';
import { probeTarget } from './probeTarget';
import { reconcileConnections } from './reconcileConnections';
import { reconcileQueuedPls } from './reconcileQueuedPls';
import { sweepNotifications } from './sweepNotifications';
import { watchNewConnections } from './watchNewConnections';

/**
 * Every function of the app. The deployed entry is generated from this list (scripts/build-bundle.ts)
 * and the local host registers it directly. Add a function by adding its file under functions/ and
 * one line here, or, for an HTTP function, in functions/http-registry.ts (which the OpenAPI document
 * reads).
 */
export const FUNCTIONS: readonly FunctionDefinition[] = [
  ...HTTP_FUNCTIONS,
  openApiDocument,
  probeEndpoints,
  probeTarget,
  cleanupProbeResults,
  onConnectionEvent,
  reconcileConnections,
  reconcileQueuedPls,
  watchNewConnections,
  deliverNotification,
  sweepNotifications,
];
