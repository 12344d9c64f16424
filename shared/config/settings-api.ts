/*
 * Who may call the HTTP API and the dashboard: the authentication mode, the allowed tenants, the
 * app roles. A bad value switches the API off (fail closed), never approval or probes.
 */
import type { SettingSpec } from './setting-spec';

export const API_SETTINGS = [
  {
    name: 'AUTH_MODE',
    description:
      '`easyauth` trusts the principal that App Service Authentication puts in `x-ms-client-principal`; `dev` acts as a fixed local developer and is refused when running in Azure.',
    default: 'easyauth',
    example: 'dev',
    side: 'provider',
    rule: { type: 'enum', values: ['easyauth', 'dev'] },
    feature: 'api',
  },
  {
    name: 'AUTH_ALLOWED_TENANT_IDS',
    description:
      'Entra tenants whose people may call the API and dashboard (comma-separated GUIDs); a principal from any other tenant is refused. Required in Azure (the Bicep sets the deploying tenant); unset outside Azure means any tenant.',
    example: 'aaaaaaaa-0000-0000-0000-000000000001',
    side: 'both',
    rule: {
      type: 'list',
      itemPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      expected: 'expected tenant ids (GUIDs), comma separated',
    },
    // A bad list switches the API off (fail closed), never approval or probes.
    feature: 'api',
  },
  {
    name: 'AUTH_READER_ROLE',
    description: 'App role that may read connections, decisions and probe data.',
    default: 'Gatekeeper.Reader',
    example: 'Gatekeeper.Reader',
    side: 'both',
    rule: { type: 'string' },
    feature: 'api',
  },
  {
    name: 'AUTH_APPROVER_ROLE',
    description: 'App role that may also approve and reject connections.',
    default: 'Gatekeeper.Approver',
    example: 'Gatekeeper.Approver',
    side: 'provider',
    rule: { type: 'string' },
    feature: 'api',
  },
  {
    name: 'APP_HOST_NAMES',
    description:
      "Host names the app answers writes on besides its own: custom domains, or the front door's name. In Azure the app also answers on `WEBSITE_HOSTNAME`; outside Azure on loopback names (`localhost`, `127.x.x.x`, `[::1]`). A write whose `Host` (or `X-Forwarded-Host`) is none of these is refused (403 `host_not_allowed`), which stops DNS rebinding.",
    default: '',
    example: 'gatekeeper.contoso.com',
    side: 'both',
    rule: {
      type: 'list',
      // A DNS name (letters, digits, hyphens, dots), without scheme, port or trailing dot.
      itemPattern:
        /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i,
      expected: 'expected host names (no scheme, port or path), comma separated',
    },
    // A bad list switches the API off (fail closed), never approval or probes.
    feature: 'api',
  },
  {
    name: 'METRICS_SCRAPE_TOKEN',
    description:
      'When set, `GET /api/metrics` answers only requests carrying `Authorization: Bearer <token>` (compared in constant time), and no signed-in reader: for a Prometheus server, with `/api/metrics` left out of App Service Authentication (the Bicep does that when the token is given). A secret: a Key Vault reference in Azure. Unset: the route needs the reader role like the other data routes.',
    example:
      '@Microsoft.KeyVault(SecretUri=https://kv-gatekeeper.vault.azure.net/secrets/metrics-scrape-token/)',
    side: 'consumer',
    // RFC 6750 b64token characters, so the value can travel in the header as it is.
    rule: {
      type: 'string',
      pattern: /^[A-Za-z0-9\-._~+/]{32,512}=*$/,
      expected:
        'expected 32 to 512 letters, digits or -._~+/ (an RFC 6750 bearer token, e.g. `openssl rand -base64 48`)',
    },
    // A bad token switches the API off (fail closed): the route is never left open by a typo.
    feature: 'api',
    secret: true,
  },
] as const satisfies readonly SettingSpec[];
