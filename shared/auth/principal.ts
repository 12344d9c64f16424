import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config/config';
import { AppError } from '../errors';

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
  const nameType =
    typeof record.name_typ === 'string' && record.name_typ !== '' ? record.name_typ : undefined;
  const roleType =
    typeof record.role_typ === 'string' && record.role_typ !== '' ? record.role_typ : DEFAULT_ROLE_CLAIM;
  const first = (types: readonly string[]) => claims.find((c) => types.includes(c.typ))?.val;
  const objectId = first(CLAIM_OBJECT_ID);
  if (objectId === undefined) throw unauthenticated('the client principal has no object id claim');
  const roles = [
    ...new Set(claims.filter((c) => c.typ === roleType || c.typ === DEFAULT_ROLE_CLAIM).map((c) => c.val)),
  ];
  return {
    name: first([...(nameType === undefined ? [] : [nameType]), ...CLAIM_NAME_FALLBACKS]) ?? objectId,
    objectId,
    tenantId: first(CLAIM_TENANT_ID),
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
 * The caller of an HTTP route. In `easyauth` mode the principal must be present; in `dev` mode a
 * given principal header is honoured (so roles can be tried locally), else the developer principal.
 */
export function authenticate(request: HttpRequest, config: Config): Principal {
  const header = request.headers.get('x-ms-client-principal');
  if (header !== null && header !== '') return decodeClientPrincipal(header);
  if (config.auth.mode === 'dev') return devPrincipal(config);
  throw unauthenticated(
    'no authenticated principal (App Service Authentication must be enabled in front of the API)',
  );
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
