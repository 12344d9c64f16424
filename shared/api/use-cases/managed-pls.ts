import { type ManagedServices, managedIdsOf } from '../../approval/use-cases/managed-services';
import { plsNameOf, sameResourceId } from '../../arm/resource-id';
import { AppError } from '../../errors';
import type { Log } from '../../log';
import type { PlsRef } from '../core/api-schemas';
import { isIdReference } from '../core/arm-names';

/** Where the managed list comes from: the approval services (static ids plus what discovery found). */
export interface ManagedPlsSource {
  readonly plsResourceIds: readonly string[];
  /** Absent only in narrow test wiring: then the static ids alone are managed. */
  readonly managedServices?: Pick<ManagedServices, 'managed'>;
}

/**
 * The Private Link Services the API acts on: PLS_RESOURCE_IDS and, with PLS_DISCOVERY_SCOPE, the
 * ones discovery found (the instance's list, the same one the reconciliation uses: managedIdsOf).
 * A discovered id is only a name here: every write re-reads the connection from ARM first.
 */
export async function managedPrivateLinkServices(source: ManagedPlsSource, log: Log): Promise<PlsRef[]> {
  return (await managedIdsOf(source, log)).map((id) => ({ id, name: plsNameOf(id) }));
}

/**
 * Resolves `{pls}` to one of the managed Private Link Services. The short form is the name (the
 * last segment of the id), which must then be unique across the managed list; when two managed
 * services share a name, the caller passes the full resource id instead (URL-encoded in a path).
 * A PLS that is neither configured nor discovered is a 404 before any ARM call: the API manages nothing else.
 */
export async function resolveManagedPls(
  source: ManagedPlsSource,
  reference: string,
  log: Log,
  field = 'pls',
): Promise<PlsRef> {
  return resolvePlsAmong(await managedPrivateLinkServices(source, log), reference, field);
}

/** The pure part of resolveManagedPls: `reference` among `all`. */
export function resolvePlsAmong(all: readonly PlsRef[], reference: string, field = 'pls'): PlsRef {
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
    issues: [
      {
        path: field,
        message: 'expected a Private Link Service listed in PLS_RESOURCE_IDS or found by PLS_DISCOVERY_SCOPE',
      },
    ],
  });
}
