import { describe, expect, it } from 'vitest';
import { tenantFromChallenge } from '../../../../shared/arm/tenant-discovery';

describe('tenantFromChallenge', () => {
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  it('reads the tenant from ARM challenge shapes', () => {
    expect(
      tenantFromChallenge(
        `Bearer authorization_uri="https://login.windows.net/${tenant}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
      ),
    ).toBe(tenant);
    expect(
      tenantFromChallenge(
        `Bearer authorization_uri="https://login.microsoftonline.com/${tenant.toUpperCase()}"`,
      ),
    ).toBe(tenant);
    expect(
      tenantFromChallenge(
        `Bearer authorization_uri=https://login.microsoftonline.us/${tenant}/oauth2/authorize, resource_id=x`,
      ),
    ).toBe(tenant);
  });
  it('gives undefined for challenges without a tenant GUID', () => {
    expect(
      tenantFromChallenge('Bearer authorization_uri="https://login.windows.net/", error="invalid_token"'),
    ).toBeUndefined();
    expect(
      tenantFromChallenge('Bearer authorization_uri="https://login.windows.net/common/oauth2/authorize"'),
    ).toBeUndefined();
    expect(tenantFromChallenge('Bearer realm="x"')).toBeUndefined();
    expect(tenantFromChallenge('Bearer authorization_uri="::::"')).toBeUndefined();
    expect(tenantFromChallenge('')).toBeUndefined();
  });
});
