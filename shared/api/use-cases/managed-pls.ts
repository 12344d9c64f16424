import { plsNameOf, sameResourceId } from '../../arm/resource-id';
import type { Config } from '../../config/config';
import { AppError } from '../../errors';
import type { PlsRef } from '../core/api-schemas';
import { isIdReference } from '../core/arm-names';

/**
 * Resolves `{pls}` to one of the configured Private Link Services. The short form is the name (the
 * last segment of the id), which must then be unique across PLS_RESOURCE_IDS; when two configured
 * services share a name, the caller passes the full resource id instead (URL-encoded in a path).
 * A PLS that is not configured is a 404 before any ARM call: the API manages nothing else.
 */
export function managedPrivateLinkServices(config: Config): PlsRef[] {
  return config.approval.plsResourceIds.map((id) => ({ id, name: plsNameOf(id) }));
}

export function resolveManagedPls(config: Config, reference: string, field = 'pls'): PlsRef {
  const all = managedPrivateLinkServices(config);
  const wanted = normaliseReference(reference);
  if (isIdReference(wanted)) {
    const found = all.find((p) => sameResourceId(p.id, wanted));
    if (found !== undefined) return found;
    throw notManaged(reference, field);
  }
  const named = all.filter((p) => p.name.toLowerCase() === wanted.toLowerCase());
  const [only] = named;
  if (only !== undefined && named.length === 1) return only;
  if (named.length > 1) {
    throw new AppError(
      'validation_failed',
      `${named.length} managed Private Link Services are named ${wanted}; pass the full resource id (URL-encoded) instead.`,
      { issues: [{ path: field, message: 'ambiguous name: expected the full resource id' }] },
    );
  }
  throw notManaged(reference, field);
}

/**
 * Hosts differ on `%2F` in a path segment: the local host decodes it, ASP.NET Core (the Functions
 * host) may hand it over still encoded. Both mean the same id.
 */
export function normaliseReference(reference: string): string {
  if (/^%2F/i.test(reference)) {
    try {
      return decodeURIComponent(reference);
    } catch {
      return reference;
    }
  }
  return reference;
}

function notManaged(reference: string, field: string): AppError {
  return new AppError('not_found', `No managed Private Link Service is called ${reference}.`, {
    issues: [{ path: field, message: 'expected a Private Link Service listed in PLS_RESOURCE_IDS' }],
  });
}
