/*
 * The consumer guard (pure): a target may name the Private Link Service its private endpoint must
 * reach (`expectedService`, a PLS resource id or alias). The probe reads what the endpoint's
 * connection points at and, when it is something else, turns the result into a WRONG_SERVICE
 * failure whatever HTTP said: a re-pointed endpoint that still answers 200 is the case this exists
 * for (another tenant's service behind the same private IP).
 *
 * What ARM shows: a private endpoint's `properties.manualPrivateLinkServiceConnections[]` (manual
 * request) or `properties.privateLinkServiceConnections[]` (automatic) each carry
 * `properties.privateLinkServiceId`, "the resource id of private link service" in the REST spec
 * (azure-rest-api-specs, specification/network/resource-manager/Microsoft.Network/stable/*
 * /privateEndpoint.json, PrivateLinkServiceConnectionProperties). An endpoint created with an alias
 * (`az network private-endpoint create --private-connection-resource-id <alias>`, the way a
 * consumer who cannot see the provider's subscription connects; Microsoft Learn, "What is Azure
 * Private Link service?", Alias) keeps the alias there, as given. The guard therefore compares in
 * the form the endpoint was created with: an id with an id (ignoring case, as ARM does), an alias
 * with an alias (ignoring case).
 */
import { sameResourceId, tryParsePlsId } from '../../arm/resource-id';
import type { ProbeFailure, ProbeResult } from './types';

/**
 * `{prefix}.{guid}.{region}.azure.privatelinkservice`: the provider's name prefix, a GUID ARM
 * adds, and the region suffix (Microsoft Learn, Private Link service overview, "Alias").
 */
export const PLS_ALIAS_PATTERN =
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]+\.azure\.privatelinkservice$/i;

export const WRONG_SERVICE_CODE = 'WRONG_SERVICE';

/** True when `found` (a connection's privateLinkServiceId) is the service `expected` names. */
export function isExpectedService(expected: string, found: string): boolean {
  if (tryParsePlsId(expected) !== undefined && tryParsePlsId(found) !== undefined)
    return sameResourceId(expected, found);
  return expected.trim().toLowerCase() === found.trim().toLowerCase();
}

/**
 * The result after the guard. `found` are the privateLinkServiceIds of the endpoint's connections
 * (an endpoint has one; an empty list means it has none left). A match leaves the result as it
 * was; anything else is DOWN with WRONG_SERVICE naming what was found.
 */
export function guardService(result: ProbeResult, expected: string, found: readonly string[]): ProbeResult {
  if (found.some((service) => isExpectedService(expected, service))) return result;
  const seen = found.length === 0 ? 'no Private Link Service' : found.join(', ');
  const failure: ProbeFailure = {
    class: 'WRONG_SERVICE',
    // The exchange itself may have passed: the guard is judged after it, like an assertion.
    phase: 'assertions',
    code: WRONG_SERVICE_CODE,
    message: `the private endpoint reaches ${seen}, not the expected ${expected}`.slice(0, 1024),
  };
  const final = { ...result.final, failure };
  return {
    ...result,
    status: 'DOWN',
    reason: `WRONG_SERVICE in assertions (${WRONG_SERVICE_CODE}): ${failure.message}`,
    final,
    attempts: result.attempts.map((a) => (a === result.final ? final : a)),
  };
}
