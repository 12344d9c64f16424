import { afterEach, describe, expect, it } from 'vitest';
import { MAX_KEPT_MESSAGES, type NotifySink, startNotifySink } from '../../../../scripts/lab/notify-sink';

const EVENT_ID = '0123456789abcdef0123456789abcdef';

async function post(sink: NotifySink, kind: string, body: unknown, eventId = EVENT_ID, type = 'probe.down') {
  const response = await fetch(`${sink.url}/${kind}`, {
    method: 'POST',
    headers: {
      'content-type': kind === 'generic' ? 'application/cloudevents+json; charset=utf-8' : 'application/json',
      'x-gatekeeper-event': type,
      'x-gatekeeper-delivery': `${eventId}.${kind}-sink`,
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const CLOUD_EVENT = {
  specversion: '1.0',
  id: EVENT_ID,
  type: 'probe.down',
  subject: 'pe-fabrikam-web',
  time: new Date().toISOString(),
  data: {
    targetId: 'pe-fabrikam-web',
    targetName:
      'Fabrikam (acquired company): pe-fabrikam-web → pls-web.0a9b8c7d.westeurope.azure.privatelinkservice',
    to: 'DOWN',
    failureClass: 'TCP_RESET',
    alsoAffectedIds: 'pe-fabrikam-api',
    summary: 'Endpoint DOWN: Fabrikam (acquired company): pe-fabrikam-web → pls-web… and 1 more',
  },
};

describe('the lab webhook sink', () => {
  let sink: NotifySink | undefined;
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  it('tells one line per event, with short names, however many kinds receive it', async () => {
    const lines: { line: string; after: unknown }[] = [];
    sink = await startNotifySink((line, after) => lines.push({ line, after }));
    await post(sink, 'teams', { type: 'message', summary: 'Endpoint DOWN: Fabrikam (acquired company): …' });
    await post(sink, 'slack', { text: 'Endpoint DOWN: Fabrikam (acquired company): …' });
    await post(sink, 'generic', CLOUD_EVENT);
    await new Promise((r) => setTimeout(r, 3_500)); // past the fallback for copies without a CloudEvent
    expect(lines.map((l) => l.line)).toEqual([
      'notify probe.down: pe-fabrikam-web and pe-fabrikam-api, one cause (TCP_RESET)',
    ]);
    // It waits for the probe watcher's line about the same change.
    expect(lines[0]?.after).toMatchObject({ target: 'pe-fabrikam-web', state: 'DOWN' });
    // The CloudEvents copy first, the others after it: still one line.
    const other = 'fedcba9876543210fedcba9876543210';
    await post(sink, 'generic', { ...CLOUD_EVENT, id: other }, other);
    await post(sink, 'teams', { type: 'message', summary: 'Endpoint DOWN: …' }, other);
    // A duplicate delivery (at least once) of the CloudEvents copy: no second line either.
    await post(sink, 'generic', { ...CLOUD_EVENT, id: other }, other);
    await new Promise((r) => setTimeout(r, 3_500));
    expect(lines).toHaveLength(2);
  });

  it('keeps every message whole and serves it on loopback: a list, and each byte for byte', async () => {
    sink = await startNotifySink(() => undefined);
    const card = {
      type: 'message',
      summary: 's',
      attachments: [{ content: { type: 'AdaptiveCard', body: [] } }],
    };
    await post(sink, 'teams', card);
    await post(sink, 'generic', CLOUD_EVENT);
    const list = (await (await fetch(`${sink.url}/messages`)).json()) as {
      n: number;
      kind: string;
      href: string;
    }[];
    expect(list.map((m) => [m.n, m.kind, m.href])).toEqual([
      [1, 'teams', '/messages/1'],
      [2, 'generic', '/messages/2'],
    ]);
    const first = await fetch(`${sink.url}/messages/1`);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.text()).toBe(JSON.stringify(card));
    const second = await fetch(`${sink.url}/messages/2`);
    expect(second.headers.get('content-type')).toContain('application/cloudevents+json');
    expect(await second.json()).toEqual(CLOUD_EVENT);
    expect((await fetch(`${sink.url}/messages/99`)).status).toBe(404);
    expect(new URL(sink.url).hostname).toBe('127.0.0.1');
  });

  it('keeps a bounded number, the oldest dropped first', async () => {
    sink = await startNotifySink(() => undefined);
    for (let i = 0; i < MAX_KEPT_MESSAGES + 3; i++)
      await post(sink, 'slack', { text: `m${i}` }, i.toString(16).padStart(32, '0'), 'connection.pending');
    const list = (await (await fetch(`${sink.url}/messages`)).json()) as { n: number }[];
    expect(list).toHaveLength(MAX_KEPT_MESSAGES);
    expect(list[0]?.n).toBe(4);
    expect((await fetch(`${sink.url}/messages/1`)).status).toBe(404);
  });
});
