import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataPath, startDataPath } from '../../../../emulators/arm/data-path';
import { type IisStandIn, startIisStandIn } from '../../../../emulators/iis/iis-stand-in';
import {
  encodeProxyV2,
  PROXY_V2_SIGNATURE,
  parseProxyV2,
} from '../../../../emulators/proxy-v2/proxy-protocol';
import {
  CONSUMER_HEADERS,
  type ProxyV2Backend,
  startProxyV2Backend,
} from '../../../../emulators/proxy-v2/proxy-v2-backend';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import { setContainer } from '../../../../shared/composition-root';
import { armTestContainer, plsIdOf, privateEndpointIdOf } from '../../../helpers/arm-emulator';
import { principalHeader } from '../../../helpers/principals';
import { TEST_POLICY, TRUSTED_SUBSCRIPTION, TRUSTED_TENANT, useApi } from '../../api/api-harness';
import { collectLog } from '../../shared/approval/approval-world';

/*
 * TCP proxy v2 end to end: a PLS with `enableProxyProtocol` on, the data path writing the PROXY v2
 * header with Azure's TLV (type 0xEE, subtype 0x01, LINKID as UINT32 little-endian), the backend
 * stand-in parsing it and asking the app's links route which consumer it serves.
 */

describe('the PROXY v2 header and its Azure TLV', () => {
  it('reads the link id from the layout Microsoft documents', () => {
    // Hand-built from the documented table: type 0xEE, length 5, subtype 0x01, 0x01020304 little-endian.
    const addresses = Buffer.from([10, 0, 0, 1, 10, 0, 0, 2, 0x1f, 0x90, 0x00, 0x50]);
    const tlv = Buffer.from([0xee, 0x00, 0x05, 0x01, 0x04, 0x03, 0x02, 0x01]);
    const header = Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x00, 20]), addresses, tlv]);
    const parsed = parseProxyV2(Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\n')]));
    expect(parsed).toMatchObject({
      kind: 'header',
      header: {
        command: 'PROXY',
        family: 'tcp4',
        source: { address: '10.0.0.1', port: 8080 },
        destination: { address: '10.0.0.2', port: 80 },
        azureLinkId: String(0x01020304),
        length: header.length,
      },
    });
  });

  it('round-trips what the data path writes, up to the largest UINT32', () => {
    const bytes = encodeProxyV2({
      source: { address: '127.0.0.10', port: 50_000 },
      destination: { address: '127.0.0.11', port: 8080 },
      linkId: 0xffff_ffff,
    });
    expect(parseProxyV2(bytes)).toMatchObject({ kind: 'header', header: { azureLinkId: '4294967295' } });
  });

  it('waits for more bytes, refuses what is not PROXY v2, and ignores a malformed Azure TLV', () => {
    const bytes = encodeProxyV2({
      source: { address: '127.0.0.1', port: 1 },
      destination: { address: '127.0.0.2', port: 2 },
      linkId: 7,
    });
    expect(parseProxyV2(bytes.subarray(0, 20))).toEqual({ kind: 'incomplete' });
    expect(parseProxyV2(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyV2(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'))).toMatchObject({
      kind: 'invalid',
    });
    const wrongSubtype = Buffer.from(bytes);
    wrongSubtype[bytes.length - 5] = 0x02;
    expect(parseProxyV2(wrongSubtype)).toMatchObject({ kind: 'header', header: { azureLinkId: undefined } });
    const local = Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
    expect(parseProxyV2(local)).toMatchObject({
      kind: 'header',
      header: { command: 'LOCAL', source: undefined },
    });
    const huge = Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    expect(parseProxyV2(huge)).toMatchObject({ kind: 'invalid', reason: 'header too long' });
  });
});

describe('a PLS with TCP proxy v2 on, in the lab', () => {
  const api = useApi();
  let backend: ProxyV2Backend;
  let inFrontOfIis: ProxyV2Backend;
  let iis: IisStandIn;
  let dataPath: DataPath;
  const proxied = plsIdOf('pls-proxy-v2');
  const proxiedIis = plsIdOf('pls-proxy-v2-iis');
  const plain = plsIdOf('pls-no-proxy');
  const lines: string[] = [];

  beforeAll(async () => {
    const world = api.emulator.world;
    world.addSubscription(TRUSTED_SUBSCRIPTION, TRUSTED_TENANT);
    world.addPrivateLinkService({ id: proxied, enableProxyProtocol: true });
    world.addPrivateLinkService({ id: plain });
    world.addPrivateLinkService({ id: proxiedIis, enableProxyProtocol: true });
    iis = await startIisStandIn({ port: 0 });
    inFrontOfIis = await startProxyV2Backend({
      appUrl: api.host.url,
      appHeaders: { 'x-ms-client-principal': principalHeader('reader') },
      upstream: iis.url,
    });
    backend = await startProxyV2Backend({
      appUrl: api.host.url,
      appHeaders: { 'x-ms-client-principal': principalHeader('reader') },
      log: (line) => lines.push(line),
    });
    dataPath = await startDataPath({
      emulator: api.emulator,
      addressing: 'ports',
      backends: { [proxied]: backend.url, [plain]: backend.url, [proxiedIis]: inFrontOfIis.url },
    });
  });
  afterAll(async () => {
    await dataPath?.stop();
    await backend?.stop();
    await inFrontOfIis?.stop();
    await iis?.stop();
  });

  async function approvedEndpoint(plsId: string, name: string) {
    const id = privateEndpointIdOf(TRUSTED_SUBSCRIPTION, name);
    api.emulator.world.createPrivateEndpoint({
      id,
      location: 'westeurope',
      target: plsId,
      manual: true,
      requestMessage: 'CHG0000042 - proxy v2 test',
    });
    const container = armTestContainer(api.emulator, [proxied, plain, proxiedIis], {
      APPROVAL_POLICY: TEST_POLICY,
      AUTH_MODE: 'easyauth',
    });
    setContainer(container);
    await reconcilePrivateLinkService(
      await container.approvalServices(),
      await container.approvalPolicy(),
      plsId,
      {
        trigger: 'timer',
        correlationId: 'proxy-v2',
        log: collectLog().log,
      },
    );
    const endpoint = api.emulator.world.privateEndpoint(id);
    expect(endpoint === undefined ? undefined : api.emulator.world.consumerState(endpoint).status).toBe(
      'Approved',
    );
    const linkId = api.emulator.world
      .privateLinkService(plsId)
      ?.connections.get(endpoint?.plsConnectionName.toLowerCase() ?? '')?.linkIdentifier;
    return { address: await dataPath.reserve(id), linkId };
  }

  it('maps each TCP connection to its consumer through the header and the links route, and logs it', async () => {
    const { address, linkId } = await approvedEndpoint(proxied, 'pe-proxy-1');
    const response = await fetch(address.url);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      linkId,
      lookupStatus: 200,
      proxy: { command: 'PROXY', source: { address: '127.0.0.1' } },
      consumer: {
        consumerSubscriptionId: TRUSTED_SUBSCRIPTION,
        consumerTenantId: TRUSTED_TENANT,
        status: 'Approved',
      },
    });
    await expect
      .poll(() => lines.some((l) => l.includes('"proxy_v2.connection"') && l.includes(String(linkId))))
      .toBe(true);
  });

  it('refuses a connection that arrives without a header (the PLS setting and the backend disagree)', async () => {
    const { address } = await approvedEndpoint(plain, 'pe-plain-1');
    const before = backend.refused;
    await expect(fetch(address.url)).rejects.toThrow();
    await expect.poll(() => backend.refused).toBe(before + 1);
  });

  it('in front of IIS: forwards each request with the client address and link id, and names the consumer on the answer', async () => {
    const { address, linkId } = await approvedEndpoint(proxiedIis, 'pe-proxy-iis-1');
    const response = await fetch(address.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('server')).toMatch(/^Microsoft-IIS\//);
    expect(await response.text()).toContain('IIS Windows Server');
    expect(response.headers.get(CONSUMER_HEADERS.linkId)).toBe(linkId);
    expect(response.headers.get(CONSUMER_HEADERS.subscription)).toBe(TRUSTED_SUBSCRIPTION);
    expect(response.headers.get(CONSUMER_HEADERS.tenant)).toBe(TRUSTED_TENANT);
  });
});
