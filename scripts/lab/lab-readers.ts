/*
 * What the lab's narrative reads, read the way a person would: over the host's own HTTP API, from this
 * machine. The functions run inside the deployment package, whose composition root is its own, so
 * nothing is read in-process. The lab runs with AUTH_MODE=dev (the local default), where a loopback
 * caller acts as an approver and may read; other modes answer 401/403, which the narrative tells once.
 */
import { z } from 'zod';

export interface LabReaders {
  /** GET /api/decisions: the newest audit rows. */
  decisions(): Promise<unknown>;
  /** GET /api/probes/summary: every target's state and last result. */
  probes(): Promise<unknown>;
  /** The reader-detail GET /api/health's `features`: each feature's state and problems. */
  problems(): Promise<unknown>;
}

const READ_TIMEOUT_MS = 10_000;

/** The reader-detail health report carries `features`; the anonymous one does not, and must not pass for "no problems". */
const healthDetailSchema = z.looseObject({ features: z.record(z.string(), z.unknown()) });

async function getJson(url: string, accepted: readonly number[]): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  if (!accepted.includes(response.status)) {
    await response.body?.cancel();
    throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
  }
  return response.json();
}

export function labReaders(baseUrl: string): LabReaders {
  return {
    decisions: () => getJson(`${baseUrl}/api/decisions?limit=200`, [200]),
    probes: () => getJson(`${baseUrl}/api/probes/summary`, [200]),
    async problems() {
      // 503 is the unhealthy report, still with every feature's state.
      const parsed = healthDetailSchema.safeParse(await getJson(`${baseUrl}/api/health`, [200, 503]));
      if (!parsed.success) throw new Error('GET /api/health gave no reader detail (features)');
      return parsed.data.features;
    },
  };
}
