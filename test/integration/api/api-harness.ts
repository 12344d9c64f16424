import { afterAll, beforeAll } from 'vitest';
import type { ArmEmulator } from '../../../emulators/arm';
import type { LocalHost } from '../../../scripts/local-host/local-host';
import { type Container, setContainer } from '../../../shared/composition-root';
import {
  armTestContainer,
  guidOf,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../../helpers/arm-emulator';
import { serveHttpFunctions } from '../../helpers/http-functions';
import { principalHeader as principalOf, type Role } from '../../helpers/principals';

/**
 * The API through real HTTP: the foundation's local host serving the registered HTTP functions on a
 * free loopback port, the ARM emulator, and the test Azurite. Each scenario gets its own Private
 * Link Services and table prefix (`scenario()`), so tests in one file never see each other's data.
 */
export const TRUSTED_TENANT = '7f3c1e2a-5b6d-4c8e-9a0b-1c2d3e4f5a6b';
export const OTHER_TENANT = 'bbbbbbbb-0000-0000-0000-00000000000b';
export const TRUSTED_SUBSCRIPTION = guidOf(1, 'a1');
export const OTHER_SUBSCRIPTION = guidOf(2, 'b2');

export const TEST_POLICY = `
version: 1
rules:
  - name: require-ticket
    action: reject
    match:
      not: { requestMessage: "CHG\\\\d{7}" }
  - name: trusted-tenant
    action: approve
    match:
      consumerTenants: ["${TRUSTED_TENANT}"]
      requestMessage: "CHG\\\\d{7}"
default:
  action: manual
`;

export type { Role } from '../../helpers/principals';

/** The API tests' caller: one fixed person per role, whose name and object id the audit assertions name. */
export function principalHeader(role: Role): string {
  return principalOf(role, { name: 'ops@contoso.example', objectId: 'a1b2c3d4-0000-0000-0000-000000000001' });
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

export interface CallOptions {
  /** A role's principal (default approver), `anonymous` for no header, or a raw header value. */
  readonly as?: Role | 'anonymous' | { readonly header: string };
  readonly body?: unknown;
  /** Sent as is (no JSON encoding); with `contentType`. */
  readonly rawBody?: string | Buffer;
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
}

export interface ApiHarness {
  readonly emulator: ArmEmulator;
  readonly host: LocalHost;
  /** Every response the tests saw, for the OpenAPI conformance test. */
  readonly seen: { method: string; route: string; status: number; contentType: string; body: unknown }[];
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
}

export function useApi(): ApiHarness {
  const arm = useArmEmulator();
  let host: LocalHost | undefined;
  const seen: ApiHarness['seen'] = [];
  beforeAll(async () => {
    host = await serveHttpFunctions();
  });
  afterAll(async () => {
    await host?.stop();
    setContainer(undefined);
  });
  return {
    get emulator() {
      return arm.emulator;
    },
    get host() {
      if (host === undefined) throw new Error('The local host starts in beforeAll.');
      return host;
    },
    seen,
    async call(method, path, options = {}) {
      if (host === undefined) throw new Error('The local host starts in beforeAll.');
      const headers: Record<string, string> = { ...options.headers };
      const as = options.as ?? 'approver';
      if (typeof as === 'object') headers['x-ms-client-principal'] = as.header;
      else if (as !== 'anonymous') headers['x-ms-client-principal'] = principalHeader(as);
      let body: string | Buffer | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      // A write always declares JSON, even with no body (the API refuses it otherwise: CSRF).
      const contentType =
        options.contentType === undefined
          ? body === undefined && method.toUpperCase() !== 'POST'
            ? null
            : 'application/json'
          : options.contentType;
      if (contentType !== null) headers['content-type'] = contentType;
      const response = await fetch(`${host.url}/api/${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
      seen.push({
        method: method.toLowerCase(),
        route: path.split('?')[0] ?? path,
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: parsed,
      });
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
  };
}

export interface Scenario {
  readonly container: Container;
  readonly plsIds: readonly string[];
  readonly plsNames: readonly string[];
}

let scenarioCount = 0;

/**
 * Fresh Private Link Services in the emulator and a container (own table prefix) managing them,
 * installed as the process container the functions use.
 */
export function scenario(
  emulator: ArmEmulator,
  options: {
    readonly pls?: number;
    readonly policy?: string;
    readonly env?: Record<string, string>;
    readonly names?: readonly string[];
  } = {},
): Scenario {
  scenarioCount++;
  emulator.world.addSubscription(TRUSTED_SUBSCRIPTION, TRUSTED_TENANT);
  emulator.world.addSubscription(OTHER_SUBSCRIPTION, OTHER_TENANT);
  const names =
    options.names ?? Array.from({ length: options.pls ?? 1 }, (_, i) => `pls-s${scenarioCount}-${i}`);
  const plsIds = names.map((name, i) =>
    plsIdOf(name, undefined, options.names === undefined ? 'rg-provider' : `rg-s${scenarioCount}-${i}`),
  );
  for (const id of plsIds) emulator.world.addPrivateLinkService({ id });
  const container = armTestContainer(emulator, plsIds, {
    APPROVAL_POLICY: options.policy ?? TEST_POLICY,
    AUTH_MODE: 'easyauth',
    ...options.env,
  });
  setContainer(container);
  return { container, plsIds, plsNames: names };
}

let endpointCount = 0;

/** A Pending connection as a consumer would create it, returning its name. */
export function addPending(
  emulator: ArmEmulator,
  plsId: string,
  options: {
    readonly subscription?: string;
    readonly message?: string;
    readonly status?: 'Pending' | 'Approved' | 'Rejected';
  } = {},
): string {
  endpointCount++;
  return emulator.world.addConnection({
    plsId,
    privateEndpointId: privateEndpointIdOf(
      options.subscription ?? OTHER_SUBSCRIPTION,
      `pe-api-${endpointCount}`,
    ),
    status: options.status ?? 'Pending',
    requestMessage: options.message ?? `CHG${String(1000000 + endpointCount)} please`,
  }).name;
}
