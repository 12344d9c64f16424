import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
  authenticate,
  authorize,
  authorizeRequest,
  decodeClientPrincipal,
} from '../../../../shared/auth/principal';
import { parseConfig } from '../../../../shared/config/config';
import { rememberRemoteAddress } from '../../../../shared/http/remote-address';
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

function request(headers: Record<string, string> = {}, remoteAddress = '127.0.0.1'): HttpRequest {
  const req = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/connections', headers });
  rememberRemoteAddress(req, remoteAddress);
  return req;
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
    ['an empty object id', encode({ auth_typ: 'aad', claims: [{ typ: 'oid', val: ' ' }] })],
    ['not from Entra ID', encode({ auth_typ: 'forged-by-attacker', claims: [{ typ: 'oid', val: 'x' }] })],
    ['from another provider', encode({ auth_typ: 'github', claims: [{ typ: 'oid', val: 'x' }] })],
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

const TENANT = 'aaaaaaaa-0000-0000-0000-000000000001';
const IN_AZURE = { AzureWebJobsStorage: 'x', WEBSITE_SITE_NAME: 'func-plg' };

describe('a principal is trusted only where the platform vouches for it', () => {
  const approver = () => request({ 'x-ms-client-principal': principalHeader(['Gatekeeper.Approver']) });

  it('in Azure, without App Service Authentication, every caller meets a config error saying what to deploy', () => {
    const config = parseConfig({ ...IN_AZURE, AUTH_ALLOWED_TENANT_IDS: TENANT });
    const error = appErrorOf(() => authenticate(approver(), config));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toMatch(/WEBSITE_AUTH_ENABLED.*authClientId/s);
  });

  it('in Azure, without AUTH_ALLOWED_TENANT_IDS, it fails closed too', () => {
    const config = parseConfig({ ...IN_AZURE, WEBSITE_AUTH_ENABLED: 'True' });
    const error = appErrorOf(() => authenticate(approver(), config));
    expect(error.code).toBe('config_invalid');
    expect(error.issues[0]?.path).toBe('AUTH_ALLOWED_TENANT_IDS');
  });

  it('in Azure, with both, the principal from an allowed tenant is accepted, others refused', () => {
    const config = parseConfig({
      ...IN_AZURE,
      WEBSITE_AUTH_ENABLED: 'True',
      AUTH_ALLOWED_TENANT_IDS: `${TENANT.toUpperCase()}, bbbbbbbb-0000-0000-0000-000000000002`,
    });
    expect(authenticate(approver(), config).tenantId).toBe(TENANT);
    const foreign = request({
      'x-ms-client-principal': encode({
        auth_typ: 'aad',
        claims: [
          { typ: 'oid', val: 'c0000000-0000-0000-0000-000000000003' },
          { typ: 'tid', val: 'cccccccc-0000-0000-0000-000000000003' },
          { typ: 'roles', val: 'Gatekeeper.Approver' },
        ],
      }),
    });
    expect(appErrorOf(() => authenticate(foreign, config)).code).toBe('forbidden');
    const noTenant = request({
      'x-ms-client-principal': encode({ auth_typ: 'aad', claims: [{ typ: 'oid', val: 'x' }] }),
    });
    expect(appErrorOf(() => authenticate(noTenant, config)).code).toBe('forbidden');
  });

  it('outside Azure the tenant list applies when set', () => {
    const config = parseConfig({
      AzureWebJobsStorage: 'x',
      AUTH_ALLOWED_TENANT_IDS: 'cccccccc-0000-0000-0000-000000000003',
    });
    expect(appErrorOf(() => authenticate(approver(), config)).code).toBe('forbidden');
  });

  it('refuses a malformed tenant list when the settings are parsed: the API is off, nothing else', () => {
    const config = parseConfig({ AzureWebJobsStorage: 'x', AUTH_ALLOWED_TENANT_IDS: 'contoso' });
    expect(config.settingIssues.api.map((i) => i.path)).toEqual(['AUTH_ALLOWED_TENANT_IDS']);
    // Fail closed: no principal is authenticated while the list is bad.
    expect(appErrorOf(() => authenticate(approver(), config)).code).toBe('config_invalid');
    expect(config.approval.mode).toBe('enforce');
  });
});

describe('dev mode answers loopback callers only', () => {
  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])('accepts %s', (address) => {
    expect(authenticate(request({}, address), dev).identityProvider).toBe('dev');
  });

  it.each(['10.0.0.5', '::ffff:192.168.1.2', '2001:db8::1'])('refuses %s with 403', (address) => {
    expect(appErrorOf(() => authenticate(request({}, address), dev)).code).toBe('forbidden');
  });

  it('does not believe X-Forwarded-For, and refuses when no host told the address', () => {
    expect(
      appErrorOf(() => authenticate(request({ 'x-forwarded-for': '127.0.0.1' }, '10.0.0.5'), dev)).code,
    ).toBe('forbidden');
    const unknown = new HttpRequest({
      method: 'GET',
      url: 'http://127.0.0.1/api/me',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expect(appErrorOf(() => authenticate(unknown, dev)).code).toBe('forbidden');
  });
});
