import { AppError } from '../errors';

/** The parts of a Private Link Service id the SDK's operations take as separate arguments. */
export interface PlsRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export interface PrivateEndpointRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

// ARM ids are case-insensitive in every segment; casing is kept as given (ids are reported as configured).
const PLS_ID =
  /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateLinkServices\/([^/]+)$/i;
const PE_ID =
  /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateEndpoints\/([^/]+)$/i;

export function parsePlsId(plsId: string): PlsRef {
  const match = PLS_ID.exec(plsId.trim());
  if (match === null) {
    throw new AppError('validation_failed', 'Not a Private Link Service resource id.', {
      issues: [
        {
          path: 'plsId',
          message:
            'expected /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/privateLinkServices/{name}',
        },
      ],
    });
  }
  const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
  return { subscriptionId: subscriptionId.toLowerCase(), resourceGroup, name };
}

export function parsePrivateEndpointId(privateEndpointId: string): PrivateEndpointRef {
  const match = PE_ID.exec(privateEndpointId.trim());
  if (match === null) {
    throw new AppError('validation_failed', 'Not a private endpoint resource id.', {
      issues: [
        {
          path: 'privateEndpointId',
          message:
            'expected /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/privateEndpoints/{name}',
        },
      ],
    });
  }
  const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
  return { subscriptionId: subscriptionId.toLowerCase(), resourceGroup, name };
}

/** A connection name is one path segment: refuse anything that would change the URL's shape. */
export function assertConnectionName(name: string): string {
  if (name === '' || name.length > 260 || /[/?#\\]/.test(name) || name === '.' || name === '..') {
    throw new AppError('validation_failed', 'Not a private endpoint connection name.', {
      issues: [{ path: 'connectionName', message: 'expected one path segment (no /, ?, # or \\)' }],
    });
  }
  return name;
}
