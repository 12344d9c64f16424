import type { AccessToken, TokenCredential } from '@azure/core-auth';

/**
 * The credential for an ARM endpoint on a loopback host (the emulator, or a recorded-traffic server of
 * your own): a fixed local token, so `npm run local` needs no Azure login. Never used for any other
 * host: the composition root picks it only when ARM_ENDPOINT's host is loopback.
 */
export const LOOPBACK_ARM_TOKEN = 'local-emulator-token';

export const loopbackArmCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    return { token: LOOPBACK_ARM_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
