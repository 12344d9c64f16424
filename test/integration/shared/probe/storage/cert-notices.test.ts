import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../../../shared/probe/core/types';
import { noticeCertExpiry } from '../../../../../shared/probe/storage/cert-notices';
import { probeResult } from '../../../../helpers/probe-results';
import { testContainer, uniqueTablePrefix } from '../../../../helpers/storage';

/**
 * The once-only record of cert.expiring in Azurite: the marker row created in one transaction with
 * the outbox row. Each call gets a container of its own (same tables), as another instance would,
 * so nothing in memory can be what refuses the second notice.
 */

const NOW = new Date('2026-12-01T10:00:00Z');
const where = { url: 'https://127.0.0.1/', expectedIp: undefined, dependsOn: undefined };

function withCertificate(daysLeft: number, fingerprint: string): ProbeResult {
  const r = probeResult({ targetId: 'contoso', scheduledAt: NOW, tlsDaysLeft: daysLeft });
  const tls =
    r.final.tls === null ? null : { ...r.final.tls, fingerprint256: fingerprint, serialNumber: '01' };
  const final = { ...r.final, tls };
  return { ...r, final, attempts: [final] };
}

const FP_OLD = Array.from({ length: 32 }, () => 'AB').join(':');
const FP_NEW = Array.from({ length: 32 }, () => 'CD').join(':');

function instances() {
  const env = {
    TABLE_NAME_PREFIX: uniqueTablePrefix(),
    // Loopback and never called here: only the outbox rows and queue messages are made.
    NOTIFY_WEBHOOKS: JSON.stringify([{ name: 'ops', kind: 'generic', url: 'http://127.0.0.1:9/hook' }]),
  };
  return (days = 0) =>
    testContainer(env, { clock: { now: () => new Date(NOW.getTime() + days * 86_400_000) } });
}

const target = { id: 'contoso', displayName: 'Contoso', certExpiryDays: [30, 14, 7] };

describe('certificate notice markers', () => {
  it('stages a threshold once per certificate, whichever instance sees it', async () => {
    const instance = instances();
    expect(await noticeCertExpiry(instance(), target, withCertificate(10, FP_OLD), where)).toBe('staged');
    expect(await noticeCertExpiry(instance(), target, withCertificate(10, FP_OLD), where)).toBe('told');
    expect(await noticeCertExpiry(instance(1), target, withCertificate(10, FP_OLD), where)).toBe('told');
    expect(await noticeCertExpiry(instance(3), target, withCertificate(10, FP_OLD), where)).toBe('staged');
    // A renewed certificate has its own markers.
    expect(await noticeCertExpiry(instance(), target, withCertificate(10, FP_NEW), where)).toBe('staged');
  });

  it('stages nothing far from expiry, for http results, or with no thresholds', async () => {
    const instance = instances();
    expect(await noticeCertExpiry(instance(), target, withCertificate(60, FP_OLD), where)).toBe('none');
    const http = probeResult({ targetId: 'contoso', scheduledAt: NOW });
    expect(await noticeCertExpiry(instance(), target, http, where)).toBe('none');
    expect(
      await noticeCertExpiry(
        instance(),
        { ...target, certExpiryDays: [] },
        withCertificate(1, FP_OLD),
        where,
      ),
    ).toBe('none');
  });
});
