import { describe, expect, it } from 'vitest';
import { parseArmSeed } from '../../../../emulators/arm';
import { armErrorJsonSchema } from '../../../../emulators/arm/arm-json';
import { NRP_LIMITS, NrpWindows } from '../../../../emulators/arm/rate-limits';
import { ArmNetworkGateway, createNetworkClient } from '../../../../shared/arm/arm-network-gateway';
import {
  guidOf,
  PROVIDER_RESOURCE_GROUP,
  plsIdOf,
  privateEndpointIdOf,
  staticArmCredential,
  TEST_TOKEN,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { parseJson } from '../../../helpers/parse-body';

/**
 * Microsoft.Network's per-5-minute limits and the 2025 PLS properties (accessMode,
 * destinationIPAddress, fqdns, enableProxyProtocol), seen through the real @azure/arm-network client.
 */
const emulators = useArmEmulatorPerTest();
const SCOPE = 'https://management.azure.com/.default';
const STRANGER = guidOf(7, 'e1');
const LISTED = guidOf(8, 'e1');

describe("NRP's per-5-minute limits", () => {
  it('uses the documented figures: 1000 PUT/DELETE and 10000 GET per 5 minutes', () => {
    expect(NRP_LIMITS).toEqual({ writes: 1000, reads: 10_000, windowMs: 300_000 });
    const windows = new NrpWindows({ enforce: true });
    expect(windows.limits).toEqual(NRP_LIMITS);
  });

  it('refuses the request after the limit until the window ends, separately for reads and writes', () => {
    let now = 0;
    const windows = new NrpWindows({ enforce: true, reads: 2, writes: 1, windowMs: 300_000 }, () => now);
    expect(windows.take('S', 'p', 'reads').allowed).toBe(true);
    expect(windows.take('S', 'p', 'reads').allowed).toBe(true);
    now = 60_000;
    const refused = windows.take('S', 'p', 'reads');
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 240 });
    expect(windows.take('S', 'p', 'writes').allowed).toBe(true);
    expect(windows.take('s', 'p', 'writes').allowed).toBe(false);
    expect(windows.take('S', 'other principal', 'reads').allowed).toBe(true);
    now = 300_000;
    expect(windows.take('S', 'p', 'reads').allowed).toBe(true);
    expect(windows.throttled).toBe(2);
  });

  it('answers 429 with Retry-After over HTTP once the window is spent, and nothing when off', async () => {
    const plsId = plsIdOf('pls-nrp-window');
    const emulator = await emulators.start({ nrpLimits: { enforce: true, reads: 3, writes: 1000 } });
    emulator.world.addPrivateLinkService({ id: plsId });
    const token = TEST_TOKEN;
    const client = await createNetworkClient(plsId.split('/')[2] as string, {
      endpoint: new URL(emulator.url),
      scope: SCOPE,
      credential: staticArmCredential(token),
      retry: { maxAttempts: 1 },
      pacing: false,
    });
    for (let i = 0; i < 3; i++)
      await client.privateLinkServices.get(PROVIDER_RESOURCE_GROUP, 'pls-nrp-window');
    const response = await fetch(`${emulator.url}${plsId}?api-version=2025-05-01`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(parseJson(armErrorJsonSchema, await response.json()).error.message).toMatch(
      /Read_ObservationWindow_00:05:00/,
    );
    expect(emulator.nrpLimits.throttled).toBe(1);

    const unlimited = await emulators.start();
    unlimited.world.addPrivateLinkService({ id: plsId });
    for (let i = 0; i < 20; i++) {
      const ok = await fetch(`${unlimited.url}${plsId}?api-version=2025-05-01`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
    }
  });
});

describe('PLS accessMode, destinationIPAddress, fqdns and enableProxyProtocol', () => {
  it('shows them on the PLS GET, read by the gateway', async () => {
    const plsId = plsIdOf('pls-2025-props');
    const emulator = await emulators.start({
      seed: parseArmSeed(`
privateLinkServices:
  - id: ${plsId}
    accessMode: Restricted
    destinationIPAddress: 10.0.4.7
    fqdns: [api.contoso.example]
    enableProxyProtocol: true
    visibility: ["${LISTED}"]
`),
    });
    const gateway = new ArmNetworkGateway({
      endpoint: new URL(emulator.url),
      scope: SCOPE,
      credential: staticArmCredential(),
      pacing: false,
    });
    expect(await gateway.getPrivateLinkService(plsId)).toMatchObject({
      accessMode: 'Restricted',
      destinationIPAddress: '10.0.4.7',
      fqdns: ['api.contoso.example'],
      enableProxyProtocol: true,
      visibilitySubscriptions: [LISTED],
    });
    const plain = plsIdOf('pls-2025-plain');
    emulator.world.addPrivateLinkService({ id: plain });
    expect(await gateway.getPrivateLinkService(plain)).toMatchObject({
      accessMode: 'Default',
      destinationIPAddress: undefined,
      fqdns: [],
      enableProxyProtocol: false,
    });
  });

  it('under Restricted admits only the subscriptions listed in visibility, even with *', async () => {
    const emulator = await emulators.start();
    const restricted = emulator.world.addPrivateLinkService({
      id: plsIdOf('pls-restricted'),
      accessMode: 'Restricted',
      visibility: ['*', LISTED],
    });
    const open = emulator.world.addPrivateLinkService({ id: plsIdOf('pls-default'), visibility: ['*'] });
    const endpoint = (sub: string, name: string, target: string) => ({
      id: privateEndpointIdOf(sub, name),
      location: 'westeurope',
      target,
      manual: true,
    });
    expect(() => emulator.world.createPrivateEndpoint(endpoint(STRANGER, 'pe-s1', restricted.id))).toThrow(
      /not visible to subscription/,
    );
    expect(emulator.world.createPrivateEndpoint(endpoint(LISTED, 'pe-l1', restricted.id)).created).toBe(true);
    expect(emulator.world.createPrivateEndpoint(endpoint(STRANGER, 'pe-s2', open.id)).created).toBe(true);
  });

  it('takes a PUT of the PLS through the SDK: If-Match honoured (412 on a stale etag), autoApproval kept inside visibility', async () => {
    const emulator = await emulators.start();
    const plsId = plsIdOf('pls-put');
    const pls = emulator.world.addPrivateLinkService({
      id: plsId,
      visibility: ['*'],
      autoApproval: [LISTED],
    });
    const gateway = new ArmNetworkGateway({
      endpoint: new URL(emulator.url),
      scope: SCOPE,
      credential: staticArmCredential(),
      pacing: false,
      retry: { maxAttempts: 1 },
    });
    const read = await gateway.getPrivateLinkService(plsId);
    expect(read.etag).toBe(pls.etag);
    await expect(
      gateway.setPlsExposure(plsId, { visibility: [LISTED], accessMode: 'Restricted', ifMatch: 'W/"stale"' }),
    ).rejects.toMatchObject({ code: 'arm_conflict', upstreamCode: 'PreconditionFailed' });
    expect(pls.visibility).toEqual(['*']);
    await expect(
      gateway.setPlsExposure(plsId, { visibility: [STRANGER], accessMode: 'Restricted', ifMatch: pls.etag }),
    ).rejects.toMatchObject({ upstreamCode: 'PrivateLinkServiceAutoApprovalNotSubsetOfVisibility' });
    const written = await gateway.setPlsExposure(plsId, {
      visibility: [LISTED, STRANGER],
      accessMode: 'Restricted',
      ifMatch: pls.etag,
    });
    expect(written).toMatchObject({ visibilitySubscriptions: [LISTED, STRANGER], accessMode: 'Restricted' });
    expect(written.etag).not.toBe(read.etag);
    expect(emulator.requestLog.count('pls.put')).toBe(3);
  });

  it('refuses a seed with an unknown accessMode or a malformed destination address', () => {
    expect(() => parseArmSeed(`privateLinkServices: [{ id: "${plsIdOf('x')}", accessMode: Open }]`)).toThrow(
      /accessMode/,
    );
    expect(() =>
      parseArmSeed(`privateLinkServices: [{ id: "${plsIdOf('x')}", destinationIPAddress: 10.0.0 }]`),
    ).toThrow(/destinationIPAddress/);
  });
});
