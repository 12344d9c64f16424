/*
 * Signed onboarding codes: the keys that sign and verify them. Secrets: in Azure each is a Key
 * Vault reference (`@Microsoft.KeyVault(SecretUri=...)`, infra/provider/main.bicep). A bad value
 * switches onboarding codes off (rules asking for a code then never match), nothing else.
 */
import type { SettingSpec } from './setting-spec';

/** HMAC keys should be at least as long as the hash output (32 bytes for SHA-256, RFC 2104 section 3). */
const KEY_RULE = {
  type: 'string',
  pattern: /^[\x21-\x7e]{32,512}$/,
  expected: 'expected 32 to 512 printable characters without spaces (e.g. `openssl rand -base64 48`)',
} as const;

export const ONBOARDING_SETTINGS = [
  {
    name: 'ONBOARDING_CODE_KEY',
    description:
      'The key that signs onboarding codes (HMAC-SHA256), and verifies them. A secret: a Key Vault reference in Azure. Unset: onboarding codes are off.',
    example:
      '@Microsoft.KeyVault(SecretUri=https://kv-gatekeeper.vault.azure.net/secrets/onboarding-code-key/)',
    side: 'provider',
    rule: KEY_RULE,
    feature: 'onboardingCodes',
    secret: true,
  },
  {
    name: 'ONBOARDING_CODE_KEY_PREVIOUS',
    description:
      'The key before the last rotation: codes it signed still verify, new ones are signed with `ONBOARDING_CODE_KEY`. Remove it to invalidate them.',
    example:
      '@Microsoft.KeyVault(SecretUri=https://kv-gatekeeper.vault.azure.net/secrets/onboarding-code-key-previous/)',
    side: 'provider',
    rule: KEY_RULE,
    feature: 'onboardingCodes',
    secret: true,
  },
] as const satisfies readonly SettingSpec[];
