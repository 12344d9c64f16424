import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { isLoopbackHost } from '../net/loopback';

/**
 * Sends the bearer token to a loopback ARM (the emulator) over plain http.
 *
 * The SDK's bearerTokenAuthenticationPolicy refuses every non-https URL, even with
 * allowInsecureConnection. Of the measured ways round it we replace that policy, and only when
 * ARM_ENDPOINT is http on a loopback host (config refuses any other http endpoint):
 * - a custom httpClient rewriting https://management.azure.com would leave the emulator's nextLink and
 *   LRO status URLs (which carry its real origin) to be rewritten too, and hides what is really called;
 * - an https emulator with a self-signed CA needs a CA setting in the app and in `npm run local`.
 * This policy still fetches and sends the token (the emulator checks it), and it re-checks every
 * request: a plain-http URL that is not loopback (a nextLink or poll URL pointing elsewhere) is refused
 * before any token is attached. For https endpoints the SDK's own policy stays untouched.
 */
export const LOOPBACK_BEARER_POLICY_NAME = 'loopbackBearerTokenPolicy';

export function loopbackBearerPolicy(credential: TokenCredential, scope: string): PipelinePolicy {
  return {
    name: LOOPBACK_BEARER_POLICY_NAME,
    async sendRequest(request, next) {
      const url = new URL(request.url);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
        throw new Error('Refusing to send an ARM bearer token over plain http to a non-loopback host.');
      }
      if (url.protocol === 'http:') request.allowInsecureConnection = true;
      const token = await credential.getToken(
        scope,
        request.abortSignal === undefined ? {} : { abortSignal: request.abortSignal },
      );
      if (token === null) throw new Error('The credential returned no token for ARM.');
      request.headers.set('Authorization', `Bearer ${token.token}`);
      return next(request);
    },
  };
}
