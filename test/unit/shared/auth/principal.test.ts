import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
  authenticate,
  authorize,
  authorizeRequest,
  decodeClientPrincipal,
} from '../../../../shared/auth/principal';
import { parseConfig } from '../../../../shared/config/config';
import { appErrorOf } from '../../../helpers/app-errors';

const easyauth = parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
const dev = parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', AUTH_MODE: 'dev' });

function encode(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

function principalHeader(roles: string[], extra: { typ: string; val: string }[] = []): string {
  return encode({
    auth_typ: 'aad',
    name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    role_typ: 'roles',
    claims: [
      {
        typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
        val: 'a1b2c3d4-0000-0000-0000-000000000001',
      },
      {
        typ: 'http://schemas.microsoft.com/identity/claims/tenantid',
        val: 'aaaaaaaa-0000-0000-0000-000000000001',
      },
      {
        typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
        val: 'ops@contoso.example',
      },
      ...roles.map((r) => ({ typ: 'roles', val: r })),
      ...extra,
    ],
  });
}

function request(headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/connections', headers });
}

describe('App Service client principal', () => {
  it('decodes name, object id, tenant and roles', () => {
    const principal = decodeClientPrincipal(principalHeader(['Gatekeeper.Approver']));
    expect(principal).toEqual({
      name: 'ops@contoso.example',
      objectId: 'a1b2c3d4-0000-0000-0000-000000000001',
      tenantId: 'aaaaaaaa-0000-0000-0000-000000000001',
      identityProvider: 'aad',
      roles: ['Gatekeeper.Approver'],
    });
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['a JSON array', encode([1])],
    ['no identity provider', encode({ claims: [{ typ: 'oid', val: 'x' }] })],
    ['no object id', encode({ auth_typ: 'aad', claims: [{ typ: 'name', val: 'x' }] })],
  ])('rejects a header that is %s with 401', (_label, header) => {
    expect(appErrorOf(() => decodeClientPrincipal(header)).status).toBe(401);
  });
});

describe('authenticate and authorize', () => {
  it('requires a principal in easyauth mode', () => {
    expect(appErrorOf(() => authenticate(request(), easyauth)).code).toBe('unauthenticated');
  });

  it('acts as the named developer in dev mode, with both roles', () => {
    const principal = authenticate(request(), dev);
    expect(principal.name).toContain('AUTH_MODE=dev');
    expect(() => authorize(principal, 'approve', dev)).not.toThrow();
  });

  it('honours a given principal in dev mode so roles can be tried locally', () => {
    const principal = authenticate(
      request({ 'x-ms-client-principal': principalHeader(['Gatekeeper.Reader']) }),
      dev,
    );
    expect(appErrorOf(() => authorize(principal, 'approve', dev)).status).toBe(403);
  });

  it('lets readers read but not approve, approvers do both, others neither', () => {
    const reader = request({ 'x-ms-client-principal': principalHeader(['Gatekeeper.Reader']) });
    const approver = request({ 'x-ms-client-principal': principalHeader(['Gatekeeper.Approver']) });
    const nobody = request({ 'x-ms-client-principal': principalHeader(['Something.Else']) });
    expect(authorizeRequest(reader, easyauth, 'read').roles).toEqual(['Gatekeeper.Reader']);
    expect(appErrorOf(() => authorizeRequest(reader, easyauth, 'approve')).code).toBe('forbidden');
    expect(authorizeRequest(approver, easyauth, 'approve').name).toBe('ops@contoso.example');
    expect(authorizeRequest(approver, easyauth, 'read').objectId).toBe(
      'a1b2c3d4-0000-0000-0000-000000000001',
    );
    expect(appErrorOf(() => authorizeRequest(nobody, easyauth, 'read')).status).toBe(403);
  });

  it('uses the configured role names', () => {
    const custom = parseConfig({
      AzureWebJobsStorage: 'x',
      AUTH_READER_ROLE: 'Net.Read',
      AUTH_APPROVER_ROLE: 'Net.Approve',
    });
    const req = request({ 'x-ms-client-principal': principalHeader(['Net.Approve']) });
    expect(authorizeRequest(req, custom, 'approve').roles).toEqual(['Net.Approve']);
    const gk = request({ 'x-ms-client-principal': principalHeader(['Gatekeeper.Approver']) });
    expect(appErrorOf(() => authorizeRequest(gk, custom, 'read')).status).toBe(403);
  });
});
