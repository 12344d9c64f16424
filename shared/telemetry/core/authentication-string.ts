import { AppError } from '../../errors';

/**
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING as App Service documents it for Entra ID
 * (learn.microsoft.com, "Microsoft Entra authentication for Application Insights"):
 * `Authorization=AAD` for the system-assigned identity, `Authorization=AAD;ClientId=<guid>` for a
 * user-assigned one. Pure; anything else is refused rather than silently sending without auth.
 */
export type TelemetryAuth = { readonly kind: 'managedIdentity'; readonly clientId: string | undefined };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseAuthenticationString(value: string | undefined): TelemetryAuth | null {
  if (value === undefined) return null;
  const pairs = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 1) throw invalid('expected key=value pairs separated by ;');
    pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (pairs.get('authorization')?.toUpperCase() !== 'AAD') throw invalid('expected Authorization=AAD');
  const clientId = pairs.get('clientid');
  if (clientId !== undefined && !GUID.test(clientId)) throw invalid('expected ClientId to be a GUID');
  return { kind: 'managedIdentity', clientId };
}

function invalid(message: string): AppError {
  return new AppError('config_invalid', `Invalid APPLICATIONINSIGHTS_AUTHENTICATION_STRING: ${message}.`, {
    issues: [{ path: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', message }],
  });
}
