/*
 * The entitlement check: policy rules with `action: entitlement` ask the provider's own system
 * (docs/approval.md, "Entitlement check"). Optional; a bad value stops only the check, and the
 * connections it would have decided are left for a person (never approved).
 */
import type { SettingSpec } from './setting-spec';

/** Shorter secrets are guessable by brute force against the signature; 32 characters is 192+ bits of base64. */
export const MIN_ENTITLEMENT_KEY_LENGTH = 32;

export const ENTITLEMENT_SETTINGS = [
  {
    name: 'ENTITLEMENT_URL',
    description:
      "The provider's own system that `action: entitlement` policy rules ask (a signed POST per connection; docs/approval.md). https; plain http only for loopback hosts. Unset: such rules leave connections for a person.",
    example: 'https://billing.contoso.example/private-link/entitlement',
    side: 'provider',
    rule: { type: 'httpsUrl', loopbackHttp: true },
    feature: 'entitlement',
  },
  {
    name: 'ENTITLEMENT_SIGNING_KEY',
    description:
      "The HMAC-SHA256 key that signs every entitlement request (at least 32 characters), shared with the provider's system. In Azure a Key Vault reference; never logged or stored.",
    example:
      '@Microsoft.KeyVault(SecretUri=https://kv-gatekeeper.vault.azure.net/secrets/entitlement-signing-key/)',
    side: 'provider',
    rule: {
      type: 'string',
      pattern: new RegExp(`^\\S{${MIN_ENTITLEMENT_KEY_LENGTH},}$`),
      expected: `expected at least ${MIN_ENTITLEMENT_KEY_LENGTH} characters without spaces`,
    },
    feature: 'entitlement',
    secret: true,
  },
  {
    name: 'ENTITLEMENT_TIMEOUT_SECONDS',
    description:
      'How long one entitlement request may take (each attempt); a slow answer counts as none and the connection is left for a person.',
    default: '5',
    example: '3',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 30 },
    feature: 'entitlement',
  },
] as const satisfies readonly SettingSpec[];
