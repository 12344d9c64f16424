import { describe, expect, it } from 'vitest';
import { decisionListSchema } from '../../../shared/api/core/api-schemas';
import { reconcilePrivateLinkService } from '../../../shared/approval/use-cases/reconcile-pls';
import { silentLog } from '../../../shared/log';
import { parseBody } from '../../helpers/parse-body';
import { addPending, scenario, useApi } from './api-harness';

const api = useApi();

// Everything is rejected by the policy, so the policy and the person want opposite things.
const REJECT_ALL = `
version: 1
rules: []
default:
  action: reject
  description: Rejected by policy
`;

describe('a person approving while the policy rejects the same Pending connection', () => {
  for (let round = 0; round < 3; round++) {
    it(`ends with exactly one ARM write and both attempts in the audit (round ${round + 1})`, async () => {
      const s = scenario(api.emulator, { policy: REJECT_ALL });
      const pls = s.plsIds[0] as string;
      const name = addPending(api.emulator, pls);
      const services = await s.container.approvalServices();
      const policy = await s.container.approvalPolicy();
      const putsBefore = api.emulator.requestLog.count('connection.put');
      // Held writes keep both contenders in flight at once, so both decide from Pending.
      api.emulator.faults.script({ kind: 'connection.put' }, [
        { type: 'delay', ms: 300 },
        { type: 'delay', ms: 300 },
      ]);
      try {
        const [person, policyRun] = await Promise.all([
          api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`, { body: { reason: 'race' } }),
          reconcilePrivateLinkService(services, policy, pls, {
            trigger: 'timer',
            correlationId: `race-${round}`,
            log: silentLog,
          }),
        ]);
        expect([200, 409]).toContain(person.status);
        expect(policyRun.listed).toBe(1);
      } finally {
        api.emulator.faults.clear();
      }
      expect(api.emulator.requestLog.count('connection.put') - putsBefore).toBe(1);
      const final = api.emulator.world.connection(pls, name)?.status;
      expect(['Approved', 'Rejected']).toContain(final);

      const audit = await parseBody(
        decisionListSchema,
        await api.call('GET', `decisions?pls=${s.plsNames[0]}&connection=${name}`, { as: 'reader' }),
      );
      const personRows = audit.items.filter((i) => i.actor.kind === 'person');
      const policyRows = audit.items.filter((i) => i.actor.kind === 'policy');
      expect(personRows.length).toBeGreaterThan(0);
      expect(policyRows.length).toBeGreaterThan(0);
      const winners = audit.items.filter((i) => i.kind === 'outcome' && i.result === 'succeeded');
      expect(winners).toHaveLength(1);
      expect(winners[0]?.action).toBe(final === 'Approved' ? 'approve' : 'reject');
      const loserKind = winners[0]?.actor.kind === 'person' ? 'policy' : 'person';
      expect(
        audit.items.some((i) => i.actor.kind === loserKind && i.kind === 'outcome' && i.result === 'skipped'),
      ).toBe(true);
    });
  }
});
