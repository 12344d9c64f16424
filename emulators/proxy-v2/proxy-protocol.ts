/*
 * PROXY protocol version 2 (HAProxy's proxy-protocol.txt, section 2.2: the binary header), the part
 * a Private Link Service with TCP proxy v2 on (`enableProxyProtocol`) sends before each TCP
 * connection's bytes, and Azure's own TLV in it. From Microsoft's "What is Azure Private Link
 * service?", section "Getting connection information using TCP Proxy v2": a custom TLV of type
 * PP2_TYPE_AZURE (0xEE), a 2-byte length, and a value of one byte PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID
 * (0x01) followed by the private endpoint's LINKID as a UINT32 in little-endian order; the same number
 * is the private endpoint connection's `linkIdentifier` in ARM. Health probes carry a header too, with
 * no client information (command LOCAL).
 *
 * Layout used here: 12-byte signature, version/command byte (0x2 in the high nibble; command 0x0
 * LOCAL or 0x1 PROXY), family/transport byte (0x11 TCP over IPv4, 0x21 TCP over IPv6, 0x00 unspecified),
 * 2-byte big-endian length of what follows, the addresses (IPv4: source, destination, source port,
 * destination port = 12 bytes; IPv6: 36 bytes), then TLVs (type, 2-byte big-endian length, value).
 */

export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
export const PP2_TYPE_AZURE = 0xee;
export const PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID = 0x01;
/** The fixed part: signature, version/command, family, length. */
const FIXED = 16;
/** A header longer than this is refused (the spec's own addresses and TLVs fit many times over). */
export const MAX_HEADER_BYTES = 4096;

export interface ProxyV2Header {
  readonly command: 'LOCAL' | 'PROXY';
  readonly family: 'tcp4' | 'tcp6' | 'unspec';
  readonly source: { readonly address: string; readonly port: number } | undefined;
  readonly destination: { readonly address: string; readonly port: number } | undefined;
  readonly tlvs: readonly { readonly type: number; readonly value: Buffer }[];
  /** Azure's LINKID (decimal string, as ARM's `linkIdentifier`), when the Azure TLV is present and well formed. */
  readonly azureLinkId: string | undefined;
  /** Bytes the header took: what follows is the connection's own data. */
  readonly length: number;
}

export type ParseResult =
  | { readonly kind: 'header'; readonly header: ProxyV2Header }
  /** Not enough bytes yet: read more and try again. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Parses a PROXY v2 header at the start of `data`. Pure; never reads past the declared length. */
export function parseProxyV2(data: Buffer): ParseResult {
  const signature = data.subarray(0, Math.min(data.length, PROXY_V2_SIGNATURE.length));
  if (!signature.equals(PROXY_V2_SIGNATURE.subarray(0, signature.length)))
    return { kind: 'invalid', reason: 'no PROXY v2 signature' };
  if (data.length < FIXED) return { kind: 'incomplete' };
  const versionCommand = data[12] ?? 0;
  if (versionCommand >> 4 !== 0x2) return { kind: 'invalid', reason: 'not version 2' };
  const commandBits = versionCommand & 0x0f;
  if (commandBits > 1) return { kind: 'invalid', reason: 'unknown command' };
  const familyByte = data[13] ?? 0;
  const declared = data.readUInt16BE(14);
  if (FIXED + declared > MAX_HEADER_BYTES) return { kind: 'invalid', reason: 'header too long' };
  if (data.length < FIXED + declared) return { kind: 'incomplete' };
  const body = data.subarray(FIXED, FIXED + declared);
  let family: ProxyV2Header['family'];
  let addressBytes: number;
  if (familyByte === 0x11) {
    family = 'tcp4';
    addressBytes = 12;
  } else if (familyByte === 0x21) {
    family = 'tcp6';
    addressBytes = 36;
  } else if (familyByte === 0x00) {
    family = 'unspec';
    addressBytes = 0;
  } else {
    return { kind: 'invalid', reason: 'unsupported address family' };
  }
  if (body.length < addressBytes) return { kind: 'invalid', reason: 'addresses truncated' };
  let source: ProxyV2Header['source'];
  let destination: ProxyV2Header['destination'];
  if (family === 'tcp4') {
    source = { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) };
    destination = { address: [...body.subarray(4, 8)].join('.'), port: body.readUInt16BE(10) };
  } else if (family === 'tcp6') {
    source = { address: ipv6(body.subarray(0, 16)), port: body.readUInt16BE(32) };
    destination = { address: ipv6(body.subarray(16, 32)), port: body.readUInt16BE(34) };
  }
  const tlvs: { type: number; value: Buffer }[] = [];
  let offset = addressBytes;
  while (offset < body.length) {
    if (offset + 3 > body.length) return { kind: 'invalid', reason: 'TLV truncated' };
    const type = body[offset] ?? 0;
    const length = body.readUInt16BE(offset + 1);
    if (offset + 3 + length > body.length) return { kind: 'invalid', reason: 'TLV value truncated' };
    tlvs.push({ type, value: Buffer.from(body.subarray(offset + 3, offset + 3 + length)) });
    offset += 3 + length;
  }
  return {
    kind: 'header',
    header: {
      command: commandBits === 1 ? 'PROXY' : 'LOCAL',
      family,
      // With LOCAL the receiver must ignore the addresses (spec 2.2).
      source: commandBits === 1 ? source : undefined,
      destination: commandBits === 1 ? destination : undefined,
      tlvs,
      azureLinkId: azureLinkIdOf(tlvs),
      length: FIXED + declared,
    },
  };
}

/** The LINKID of the Azure TLV: exactly subtype 0x01 and four little-endian bytes, else undefined. */
function azureLinkIdOf(tlvs: readonly { type: number; value: Buffer }[]): string | undefined {
  const azure = tlvs.find((t) => t.type === PP2_TYPE_AZURE);
  if (azure === undefined || azure.value.length !== 5) return undefined;
  if (azure.value[0] !== PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID) return undefined;
  return String(azure.value.readUInt32LE(1));
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/**
 * The header a PLS with TCP proxy v2 on sends (what the emulator's data path writes to the backend):
 * PROXY over TCP/IPv4 with the client's and the endpoint's addresses, and the Azure TLV with the link id.
 */
export function encodeProxyV2(options: {
  readonly source: { readonly address: string; readonly port: number };
  readonly destination: { readonly address: string; readonly port: number };
  readonly linkId: number;
}): Buffer {
  const addresses = Buffer.alloc(12);
  ipv4Bytes(options.source.address).copy(addresses, 0);
  ipv4Bytes(options.destination.address).copy(addresses, 4);
  addresses.writeUInt16BE(options.source.port, 8);
  addresses.writeUInt16BE(options.destination.port, 10);
  const azure = Buffer.alloc(3 + 5);
  azure[0] = PP2_TYPE_AZURE;
  azure.writeUInt16BE(5, 1);
  azure[3] = PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID;
  azure.writeUInt32LE(options.linkId, 4);
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x21; // version 2, PROXY
  fixed[1] = 0x11; // TCP over IPv4
  fixed.writeUInt16BE(addresses.length + azure.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, addresses, azure]);
}

function ipv4Bytes(address: string): Buffer {
  const parts = address
    .replace(/^::ffff:/i, '')
    .split('.')
    .map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(parts);
}
