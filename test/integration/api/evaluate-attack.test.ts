import { describe, expect, it } from 'vitest';
import { evaluateResultSchema, problemSchema } from '../../../shared/api/core/api-schemas';
import { privateEndpointIdOf } from '../../helpers/arm-emulator';
import { attackBody, heaviestAcceptedBody } from '../../helpers/evaluate-attack';
import { parseBody } from '../../helpers/parse-body';
import { OTHER_SUBSCRIPTION, scenario, useApi } from './api-harness';

const api = useApi();

/** How long the attackers keep sending: a few seconds of CI time (the figures are in bench/evaluate-attack.ts). */
const ATTACK_MS = 4_000;
const ATTACKERS = 4;
/**
 * Liveness only, not a figure (those are in the bench): no health answer may take this long. Health's
 * own dependency checks give up after 5 s and answer 503, which is what the attack caused before.
 */
const HEALTH_LIVENESS_MS = 5_000;

const endpoint = privateEndpointIdOf(OTHER_SUBSCRIPTION, 'pe-attack');

describe('POST /api/policy/evaluate: a reader cannot stall the instance (issue 22, item 1)', () => {
  it("refuses the reported draft with 400 naming the first pattern past the draft's limits", async () => {
    const s = scenario(api.emulator);
    const response = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: attackBody(s.plsNames[0] as string, endpoint),
    });
    expect(response.status, response.text.slice(0, 300)).toBe(400);
    const problem = await parseBody(problemSchema, response);
    expect(problem.code).toBe('validation_failed');
    const errors = problem.errors ?? [];
    expect(errors.map((e) => e.path)).toEqual(
      errors.map(() => expect.stringMatching(/^policy\.rules\[\d+\]\.match\.requestMessage$/)),
    );
    expect(errors.at(-1)?.message).toMatch(/expand to at most 5000 atoms together/);
  });

  it('refuses one pattern whose counted repetitions expand past the limit, naming it', async () => {
    const s = scenario(api.emulator);
    const response = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: {
        policy: {
          version: 1,
          rules: [
            { name: 'ok', action: 'approve', match: { requestMessage: 'CHG\\d{7}' } },
            { name: 'wide', action: 'approve', match: { not: { requestMessage: '\\pL{1,600}\\pL{1,600}' } } },
          ],
          default: { action: 'manual' },
        },
        connection: { pls: s.plsNames[0], privateEndpointId: endpoint, requestMessage: 'x' },
      },
    });
    expect(response.status).toBe(400);
    expect((await parseBody(problemSchema, response)).errors).toEqual([
      {
        path: 'policy.rules[1].match.not.requestMessage',
        message: expect.stringMatching(/at most 1000 atoms.*expands to 1200/),
      },
    ]);
  });

  it('runs drafts one at a time: past 8 waiting, 429 with Retry-After at once', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsNames[0] as string;
    // Sent together: the first holds the turn for its five patterns, eight wait, the rest are refused.
    const answers = await Promise.all(
      Array.from({ length: 16 }, () =>
        api.call('POST', 'policy/evaluate', { as: 'reader', body: heaviestAcceptedBody(pls, endpoint) }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => a.text)).toEqual([]);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(9);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.headers.get('retry-after')).toBe('1');
      expect((await parseBody(problemSchema, answer)).code).toBe('too_many_requests');
    }
  });

  it('keeps health answering, never 5xx, while readers send the attack for seconds', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsNames[0] as string;
    const baseline = await api.call('GET', 'health', { as: 'anonymous' });
    expect(baseline.status, baseline.text).toBe(200);

    const until = performance.now() + ATTACK_MS;
    const attackStatuses: number[] = [];
    const attacker = async (index: number) => {
      for (let round = 0; performance.now() < until; round++) {
        // The reported draft, and the costliest one the limits let through, in turn.
        const heavy = (round + index) % 2 === 1;
        const response = await api.call('POST', 'policy/evaluate', {
          as: 'reader',
          body: heavy ? heaviestAcceptedBody(pls, endpoint) : attackBody(pls, endpoint),
        });
        attackStatuses.push(response.status);
        if (heavy && response.status === 200) {
          const result = await parseBody(evaluateResultSchema, response);
          expect(result.evaluations[0]?.verdict.action).toBe('manual');
        }
      }
    };
    const healthStatuses: number[] = [];
    let slowestHealthMs = 0;
    const poller = async () => {
      while (performance.now() < until) {
        // Client and server share this event loop: a stalled loop delays both, and shows here.
        const started = performance.now();
        healthStatuses.push((await api.call('GET', 'health', { as: 'anonymous' })).status);
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await Promise.all([poller(), ...Array.from({ length: ATTACKERS }, (_, i) => attacker(i))]);

    expect(healthStatuses.length).toBeGreaterThan(0);
    expect(healthStatuses.filter((status) => status !== 200)).toEqual([]);
    expect(slowestHealthMs).toBeLessThan(HEALTH_LIVENESS_MS);
    // Refused (400), answered (200), or asked to come back (429): never a server error.
    expect(attackStatuses.filter((status) => ![200, 400, 429].includes(status))).toEqual([]);
    expect(attackStatuses).toContain(200);
    expect(attackStatuses).toContain(400);
  }, 30_000);
});
