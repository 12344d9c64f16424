/* The line under the overview that says how many services the app manages and where they came from. */

/** "Managing 12 services: 2 listed, 10 found by Resource Graph (last 10:05 UTC)": where the managed services came from. */
export function managedServicesLine(
  detail: Readonly<Record<string, string | number>> | undefined,
): string | undefined {
  const listed = detail?.staticServices;
  if (typeof listed !== 'number') return undefined;
  const discovery = detail?.discovery;
  if (discovery !== 'on') {
    const suffix = discovery === 'invalid' ? ' (discovery settings invalid: see the problems above)' : '';
    return `Managing ${listed} listed service${listed === 1 ? '' : 's'}${suffix}`;
  }
  const found = Number(detail?.discoveredServices ?? 0);
  const at = detail?.lastDiscoveryAt;
  const when = typeof at === 'string' && at !== 'never' ? `last ${at.slice(11, 16)} UTC` : 'not run yet';
  const error = detail?.lastDiscoveryError;
  const failed = typeof error === 'string' ? `, last attempt failed: ${error}, kept the last list` : '';
  return `Managing ${listed + found} services: ${listed} listed, ${found} found by Resource Graph (${when}${failed})`;
}
