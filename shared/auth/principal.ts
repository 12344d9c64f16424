import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config/config';
import { AppError } from '../errors';
import { remoteAddressOf } from '../http/remote-address';
import { isLoopbackHost } from '../net/loopback';

/** Who is calling: the identity written into audit rows. */
export interface Principal {
  readonly name: string;
  readonly objectId: string;
  readonly tenantId: string | undefined;
  readonly identityProvider: string;
  readonly roles: readonly string[];
}

export type Permission = 'read' | 'approve';

const CLAIM_OBJECT_ID = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const CLAIM_TENANT_ID = ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'];
const CLAIM_NAME_FALLBACKS = [
  'name',
  'preferred_username',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  'appid',
  'azp',
];
const DEFAULT_ROLE_CLAIM = 'roles';
/** App Service Authentication's name for the Microsoft Entra ID provider. */
const ENTRA_AUTH_TYPE = 'aad';
const MAX_HEADER_BYTES = 16 * 1024;

/** The fixed identity `AUTH_MODE=dev` acts as; its name says where it came from in every audit row. */
export function devPrincipal(config: Config): Principal {
  return {
    name: 'local-developer (AUTH_MODE=dev)',
    objectId: '00000000-0000-0000-0000-00000000de70',
    tenantId: undefined,
    identityProvider: 'dev',
    roles: [config.auth.readerRole, config.auth.approverRole],
  };
}

interface ClientPrincipalClaim {
  readonly typ: string;
  readonly val: string;
}

/**
 * Decodes App Service Authentication's `x-ms-client-principal` (base64 JSON: auth_typ, claims,
 * name_typ, role_typ). The header can be trusted only because App Service strips it from incoming
 * requests and sets it itself; without App Service Authentication in front, anyone could forge it.
 */
export function decodeClientPrincipal(header: string): Principal {
  if (header.length > MAX_HEADER_BYTES)
    throw unauthenticated('the x-ms-client-principal header is too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw unauthenticated('the x-ms-client-principal header is not base64-encoded JSON');
  }
  if (parsed === null || typeof parsed !== 'object')
    throw unauthenticated('the x-ms-client-principal header is not a JSON object');
  const record = parsed as Record<string, unknown>;
  const claims = Array.isArray(record.claims) ? record.claims.filter(isClaim) : [];
  const identityProvider =
    typeof record.auth_typ === 'string' && record.auth_typ !== '' ? record.auth_typ : undefined;
  if (identityProvider === undefined)
    throw unauthenticated('the client principal names no identity provider (auth_typ)');
  // Only Microsoft Entra ID sign-ins carry the object id and tenant the audit and the tenant check rely on.
  if (identityProvider !== ENTRA_AUTH_TYPE)
    throw unauthenticated(
      `the client principal was not signed in with Microsoft Entra ID (auth_typ ${ENTRA_AUTH_TYPE})`,
    );
  const nameType =
    typeof record.name_typ === 'string' && record.name_typ !== '' ? record.name_typ : undefined;
  const roleType =
    typeof record.role_typ === 'string' && record.role_typ !== '' ? record.role_typ : DEFAULT_ROLE_CLAIM;
  const first = (types: readonly string[]) => claims.find((c) => types.includes(c.typ))?.val;
  const objectId = first(CLAIM_OBJECT_ID)?.trim();
  if (objectId === undefined || objectId === '')
    throw unauthenticated('the client principal has no object id claim');
  const roles = [
    ...new Set(claims.filter((c) => c.typ === roleType || c.typ === DEFAULT_ROLE_CLAIM).map((c) => c.val)),
  ];
  return {
    name: first([...(nameType === undefined ? [] : [nameType]), ...CLAIM_NAME_FALLBACKS]) ?? objectId,
    objectId,
    tenantId: first(CLAIM_TENANT_ID)?.trim() || undefined,
    identityProvider,
    roles,
  };
}

function isClaim(value: unknown): value is ClientPrincipalClaim {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as ClientPrincipalClaim).typ === 'string' &&
    typeof (value as ClientPrincipalClaim).val === 'string'
  );
}

/**
 * The caller of an HTTP route. In `easyauth` mode the principal must be present and must be one the
 * platform vouches for (see trustedPlatform); in `dev` mode, which answers loopback callers only, a
 * given principal header is honoured (so roles can be tried locally), else the developer principal.
 */
export function authenticate(request: HttpRequest, config: Config): Principal {
  if (config.auth.mode === 'dev') {
    requireLoopbackCaller(request);
    const header = request.headers.get('x-ms-client-principal');
    return header !== null && header !== '' ? decodeClientPrincipal(header) : devPrincipal(config);
  }
  requireTrustedPlatform(config);
  const header = request.headers.get('x-ms-client-principal');
  if (header === null || header === '')
    throw unauthenticated(
      'no authenticated principal (App Service Authentication must be enabled in front of the API)',
    );
  const principal = decodeClientPrincipal(header);
  requireAllowedTenant(principal, config);
  return principal;
}

/**
 * In Azure, `x-ms-client-principal` is trustworthy only where App Service Authentication runs: it
 * strips the header from incoming requests and sets it itself. Without it, any holder of a function
 * key could send one and act as an approver. App Service tells the app the module is on by setting
 * WEBSITE_AUTH_ENABLED=True (App Service "Environment variables and app settings" reference,
 * https://learn.microsoft.com/azure/app-service/reference-app-settings, "Authentication & authorization";
 * Microsoft.Identity.Web's AppServicesAuthenticationInformation reads the same variable). Outside
 * Azure (tests, `npm run local` with easyauth) no platform exists to vouch, and none is required.
 */
function requireTrustedPlatform(config: Config): void {
  if (!config.runtime.inAzure) return;
  if (!config.auth.platformAuthEnabled) {
    throw new AppError(
      'config_invalid',
      'App Service Authentication is not enabled on this app (WEBSITE_AUTH_ENABLED is not True), so the caller cannot be trusted. Deploy the app with its Entra app registration (the Bicep parameter authClientId), which turns App Service Authentication on.',
      {
        issues: [
          { path: 'WEBSITE_AUTH_ENABLED', message: 'expected True (App Service Authentication enabled)' },
        ],
      },
    );
  }
  if (config.auth.allowedTenantIds === undefined) {
    throw new AppError(
      'config_invalid',
      'AUTH_ALLOWED_TENANT_IDS is not set, so no tenant is trusted. Set it to the tenant id(s) whose people may use the app (the Bicep sets the deploying tenant).',
      { issues: [{ path: 'AUTH_ALLOWED_TENANT_IDS', message: 'expected at least one tenant id in Azure' }] },
    );
  }
}

function requireAllowedTenant(principal: Principal, config: Config): void {
  const allowed = config.auth.allowedTenantIds;
  if (allowed === undefined) return;
  const tenant = principal.tenantId?.toLowerCase();
  if (tenant === undefined || !allowed.has(tenant)) {
    throw new AppError('forbidden', 'The caller signed in from a tenant this app does not trust.', {
      issues: [{ path: 'tenantId', message: 'expected a tenant listed in AUTH_ALLOWED_TENANT_IDS' }],
    });
  }
}

/**
 * Dev mode acts as an approver for whoever calls, so it serves this machine only. The address comes
 * from the socket (set by the local host, see remote-address.ts), never from X-Forwarded-For, which
 * any caller can write. Where no host tells the address, dev mode refuses.
 */
function requireLoopbackCaller(request: HttpRequest): void {
  const address = remoteAddressOf(request);
  if (address === undefined || !isLoopbackHost(stripMappedIpv4(address))) {
    throw new AppError('forbidden', 'AUTH_MODE=dev answers callers on this machine (loopback) only.', {
      issues: [{ path: 'AUTH_MODE', message: 'dev mode serves loopback callers only' }],
    });
  }
}

/** `::ffff:127.0.0.1` is how a dual-stack socket reports an IPv4 loopback caller. */
function stripMappedIpv4(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
}

/** Throws 403 unless the principal holds a role that grants the permission. Approvers may also read. */
export function authorize(principal: Principal, permission: Permission, config: Config): void {
  const allowed =
    permission === 'approve'
      ? [config.auth.approverRole]
      : [config.auth.readerRole, config.auth.approverRole];
  if (!principal.roles.some((role) => allowed.includes(role))) {
    throw new AppError('forbidden', `This action needs the app role ${allowed.join(' or ')}.`, {
      issues: [{ path: 'roles', message: `expected one of: ${allowed.join(', ')}` }],
    });
  }
}

export function authorizeRequest(request: HttpRequest, config: Config, permission: Permission): Principal {
  const principal = authenticate(request, config);
  authorize(principal, permission, config);
  return principal;
}

function unauthenticated(reason: string): AppError {
  return new AppError('unauthenticated', `Unauthenticated: ${reason}.`);
}
