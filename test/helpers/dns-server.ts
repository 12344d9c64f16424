/*
 * A tiny authoritative DNS responder on 127.0.0.1 for the probe's dns and named-resolver tests:
 * UDP only, one question per query, the answers from a fixed zone. Names not in the zone get
 * NXDOMAIN, names listed as silent get no reply at all (the resolver times out). Message layout
 * per RFC 1035 §4.1 (header, question, resource records) and RFC 3596 (AAAA).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

export interface ZoneRecords {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  readonly CNAME?: string;
  /** Each record's character strings (one record may carry several). */
  readonly TXT?: readonly (readonly string[])[];
}

export interface TestDnsServer {
  readonly address: string;
  readonly port: number;
  /** `127.0.0.1:port`, as a target's `resolver` field reads it. */
  readonly resolver: string;
  /** Every question asked, `name TYPE` with the name lower case: proves which server was asked. */
  readonly questions: string[];
  close(): Promise<void>;
}

const TYPE_CODES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const;
const TYPE_NAMES = new Map<number, keyof typeof TYPE_CODES>(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name as keyof typeof TYPE_CODES]),
);
const NXDOMAIN = 3;

export async function startDnsServer(options: {
  readonly zone: Readonly<Record<string, ZoneRecords>>;
  readonly silent?: readonly string[];
}): Promise<TestDnsServer> {
  const zone = new Map(Object.entries(options.zone).map(([name, records]) => [name.toLowerCase(), records]));
  const silent = new Set((options.silent ?? []).map((n) => n.toLowerCase()));
  const questions: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const question = readQuestion(query);
    if (question === null) return;
    const typeName = TYPE_NAMES.get(question.type) ?? String(question.type);
    questions.push(`${question.name} ${typeName}`);
    if (silent.has(question.name)) return;
    const records = zone.get(question.name);
    const answers = records === undefined ? [] : answerRecords(records, question.type);
    const reply = Buffer.concat([
      header(query, records === undefined ? NXDOMAIN : 0, answers.length),
      query.subarray(12, question.end),
      ...answers,
    ]);
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { address, port } = socket.address();
  return {
    address,
    port,
    resolver: `${address}:${port}`,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function readQuestion(message: Buffer): { name: string; type: number; end: number } | null {
  if (message.length < 17) return null;
  const labels: string[] = [];
  let offset = 12;
  while (offset < message.length) {
    const length = message[offset] ?? 0;
    offset += 1;
    if (length === 0) break;
    labels.push(message.subarray(offset, offset + length).toString('latin1'));
    offset += length;
  }
  if (offset + 4 > message.length) return null;
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(offset), end: offset + 4 };
}

/** Same id and RD bit as the query, QR and RA set, one question, no authority or additional records. */
function header(query: Buffer, rcode: number, answerCount: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  const rd = (query[2] ?? 0) & 0x01;
  out[2] = 0x80 | 0x04 | rd; // QR, AA, RD
  out[3] = 0x80 | rcode; // RA
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(answerCount, 6);
  return out;
}

function answerRecords(records: ZoneRecords, type: number): Buffer[] {
  const rr = (rdata: Buffer) => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    head.writeUInt16BE(type, 2);
    head.writeUInt16BE(1, 4); // IN
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([head, rdata]);
  };
  switch (TYPE_NAMES.get(type)) {
    case 'A':
      return (records.A ?? [])
        .filter((ip) => isIPv4(ip))
        .map((ip) => rr(Buffer.from(ip.split('.').map(Number))));
    case 'AAAA':
      return (records.AAAA ?? []).filter((ip) => isIPv6(ip)).map((ip) => rr(ipv6Bytes(ip)));
    case 'CNAME':
      return records.CNAME === undefined ? [] : [rr(encodeName(records.CNAME))];
    case 'TXT':
      return (records.TXT ?? []).map((strings) =>
        rr(
          Buffer.concat(
            strings.map((s) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')])),
          ),
        ),
      );
    default:
      return [];
  }
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}
