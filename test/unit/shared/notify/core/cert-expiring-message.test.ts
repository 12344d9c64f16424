import { describe, expect, it } from 'vitest';
import { eventFromCertNotice } from '../../../../../shared/notify/core/event-builders';
import { renderPayload } from '../../../../../shared/notify/core/payloads';
import type { CertNotice } from '../../../../../shared/probe/core/cert-expiry';

const NOTICE: CertNotice = {
  targetId: 'contoso-web',
  thresholdDays: 14,
  daysLeft: 9,
  at: '2026-12-01T10:00:00.000Z',
  notAfter: '2026-12-10T12:00:00.000Z',
  fingerprint: 'AB'.repeat(32),
  serialNumber: '0a1b',
  subject: 'CN=contoso.example',
  issuer: 'CN=Contoso CA',
};
const WHERE = { url: 'https://10.0.0.5/health', expectedIp: '10.0.0.5', dependsOn: undefined };
const OPTIONS = { source: 'func-gatekeeper', dashboardUrl: 'https://dash.example/' };

describe('cert.expiring messages', () => {
  it('the id is one per target, certificate and threshold', () => {
    const a = eventFromCertNotice(NOTICE, 'Contoso web', WHERE);
    expect(eventFromCertNotice({ ...NOTICE, at: '2026-12-02T10:00:00.000Z', daysLeft: 8 }, 'x').id).toBe(
      a.id,
    );
    expect(eventFromCertNotice({ ...NOTICE, thresholdDays: 7 }, 'x').id).not.toBe(a.id);
    expect(eventFromCertNotice({ ...NOTICE, fingerprint: 'CD'.repeat(32) }, 'x').id).not.toBe(a.id);
  });

  it('teams: an Adaptive Card with the expiry, days left, threshold and certificate, linking the target', () => {
    const body = renderPayload('teams', eventFromCertNotice(NOTICE, 'Contoso web', WHERE), OPTIONS).body;
    const card = (body.attachments as { content: Record<string, unknown> }[])[0]?.content as {
      body: { type: string; text?: string; color?: string; facts?: { title: string; value: string }[] }[];
      actions: { url: string }[];
    };
    expect(card.body[0]).toMatchObject({ text: 'Certificate expires soon', color: 'warning' });
    expect(card.body[1]?.text).toBe(
      'Certificate expires soon: Contoso web in 9 days (2026-12-10T12:00:00.000Z)',
    );
    const facts = Object.fromEntries((card.body[2]?.facts ?? []).map((f) => [f.title, f.value]));
    expect(facts).toMatchObject({
      Certificate: 'CN=contoso.example',
      'Issued by': 'CN=Contoso CA',
      Expires: '2026-12-10T12:00:00.000Z',
      'Notice at': '14 days before expiry',
      'Fingerprint (SHA-256)': 'AB'.repeat(32),
    });
    expect(card.actions[0]?.url).toBe('https://dash.example/#target=contoso-web');
  });

  it('slack: header, headline and fields', () => {
    const body = renderPayload('slack', eventFromCertNotice(NOTICE, 'Contoso web', WHERE), OPTIONS).body;
    expect(body.text).toBe('Certificate expires soon: Contoso web in 9 days (2026-12-10T12:00:00.000Z)');
    const blocks = body.blocks as { type: string; fields?: { text: string }[] }[];
    expect(blocks[0]?.type).toBe('header');
    const fields = blocks.find((b) => b.fields !== undefined)?.fields?.map((f) => f.text) ?? [];
    expect(fields).toContain('*Notice at*\n14 days before expiry');
  });

  it('generic: a CloudEvents 1.0 event whose data carries the machine-readable facts', () => {
    const rendered = renderPayload('generic', eventFromCertNotice(NOTICE, 'Contoso web', WHERE), OPTIONS);
    expect(rendered.contentType).toMatch(/^application\/cloudevents\+json/);
    expect(rendered.body).toMatchObject({
      specversion: '1.0',
      type: 'cert.expiring',
      subject: 'contoso-web',
      data: {
        certNotAfter: '2026-12-10T12:00:00.000Z',
        certDaysLeft: 9,
        certThresholdDays: 14,
        certFingerprint: 'AB'.repeat(32),
        certSerialNumber: '0a1b',
        ownerSide: 'provider',
      },
    });
  });

  it('a certificate already expired says so', () => {
    const event = eventFromCertNotice({ ...NOTICE, thresholdDays: 1, daysLeft: -2 }, 'Contoso web', WHERE);
    expect(renderPayload('slack', event, OPTIONS).body.text).toBe(
      'Certificate expired: Contoso web on 2026-12-10T12:00:00.000Z',
    );
  });
});
