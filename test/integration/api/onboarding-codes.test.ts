import { describe, expect, it } from 'vitest';
import { runCodesCommand } from '../../../scripts/onboarding-codes';
import {
  connectionListSchema,
  decisionListSchema,
  evaluateResultSchema,
  problemSchema,
} from '../../../shared/api/core/api-schemas';
import {
  codeItemSchema,
  codeListSchema,
  issuedCodeSchema,
} from '../../../shared/api/core/onboarding-code-schemas';
import { reconcileAll } from '../../../shared/approval/use-cases/reconcile-all';
import { silentLog } from '../../../shared/log';
import { parseBody } from '../../helpers/parse-body';
import { addPending, OTHER_SUBSCRIPTION, scenario, useApi } from './api-harness';

const api = useApi();
const KEY_ENV = { ONBOARDING_CODE_KEY: 'api-test-onboarding-key-0123456789abcdefghijklmnop' };

describe('the onboarding code routes', () => {
  it('issues a code (201, shown once), lists records without it, and revokes by id', async () => {
    const s = scenario(api.emulator, { env: KEY_ENV });
    const issued = await api.call('POST', 'onboarding/codes', {
      body: { customer: 'Contoso Ltd', pls: s.plsNames[0], days: 30, maxConnections: 2 },
    });
    expect(issued.status).toBe(201);
    const item = await parseBody(issuedCodeSchema, issued);
    expect(item).toMatchObject({
      customer: 'Contoso Ltd',
      pls: s.plsIds[0],
      maxConnections: 2,
      used: 0,
      state: 'active',
      keyActive: true,
      issuedBy: 'ops@contoso.example',
    });
    expect(item.code).toMatch(/^PLG-[0-9A-HJKMNP-TV-Z]{34}$/);

    const list = await api.call('GET', 'onboarding/codes');
    expect(list.status).toBe(200);
    const items = (await parseBody(codeListSchema, list)).items;
    expect(items.map((i) => i.id)).toEqual([item.id]);
    expect(list.text.toUpperCase()).not.toContain(item.code.slice(-20));

    const revoked = await api.call('POST', `onboarding/codes/${item.id.toLowerCase()}/revoke`, { body: {} });
    expect(revoked.status).toBe(200);
    expect(await parseBody(codeItemSchema, revoked)).toMatchObject({
      state: 'revoked',
      revokedBy: 'ops@contoso.example',
    });
    expect((await api.call('POST', 'onboarding/codes/0000000000000/revoke', { body: {} })).status).toBe(404);
  });

  it('names the field in every validation error', async () => {
    scenario(api.emulator, { env: KEY_ENV });
    const cases: [unknown, string][] = [
      [{ days: 3 }, 'customer'],
      [{ customer: '<script>', days: 3 }, 'customer'],
      [{ customer: 'Contoso' }, 'days'],
      [{ customer: 'Contoso', days: 3, expiresAt: '2030-01-01T00:00:00Z' }, 'expiresAt'],
      [{ customer: 'Contoso', days: 0 }, 'days'],
      [{ customer: 'Contoso', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ customer: 'Contoso', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      [{ customer: 'Contoso', days: 3, maxConnections: 1000 }, 'maxConnections'],
      [{ customer: 'Contoso', days: 3, pls: 'not a pls!' }, 'pls'],
      [{ customer: 'Contoso', days: 3, pls: 'pls-nobody-manages' }, 'pls'],
      [{ customer: 'Contoso', days: 3, extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const response = await api.call('POST', 'onboarding/codes', { body });
      expect([400, 404], JSON.stringify(body)).toContain(response.status);
      const problem = await parseBody(problemSchema, response);
      const paths = (problem.errors ?? []).map((e) => `${e.path} ${e.message}`).join(' ');
      expect(paths, JSON.stringify(body)).toContain(field);
    }
  });

  it('refuses readers, and answers config_invalid (500, value not shown) with a bad key (approval itself unaffected)', async () => {
    scenario(api.emulator, { env: KEY_ENV });
    expect(
      (await api.call('POST', 'onboarding/codes', { as: 'reader', body: { customer: 'C', days: 1 } })).status,
    ).toBe(403);
    expect((await api.call('GET', 'onboarding/codes', { as: 'reader' })).status).toBe(403);
    scenario(api.emulator, { env: { ONBOARDING_CODE_KEY: 'too-short' } });
    const bad = await api.call('POST', 'onboarding/codes', { body: { customer: 'C', days: 1 } });
    expect(bad.status).toBe(500);
    expect(bad.text).not.toContain('too-short');
    expect((await api.call('GET', 'connections', { as: 'reader' })).status).toBe(200);
  });

  it('shows the customer on connections and audit rows, filters by it, and never shows the code', async () => {
    const s = scenario(api.emulator, {
      env: KEY_ENV,
      policy:
        'version: 1\ndefault: { action: manual }\nrules:\n  - { name: saas, action: approve, match: { onboardingCode: valid } }\n',
    });
    const pls = s.plsIds[0] as string;
    const { code } = await parseBody(
      issuedCodeSchema,
      await api.call('POST', 'onboarding/codes', { body: { customer: 'Contoso Ltd', days: 7 } }),
    );
    const approved = addPending(api.emulator, pls, {
      subscription: OTHER_SUBSCRIPTION,
      message: `Contoso ${code}`,
    });
    const services = await s.container.approvalServices();
    await reconcileAll(services, await s.container.approvalPolicy(), [pls], 1, {
      trigger: 'timer',
      correlationId: 'api-customer',
      log: silentLog,
    });
    const pending = addPending(api.emulator, pls, {
      subscription: OTHER_SUBSCRIPTION,
      message: `still ${code}`,
    });

    const all = await parseBody(connectionListSchema, await api.call('GET', 'connections', { as: 'reader' }));
    const byName = new Map(all.items.map((i) => [i.name, i]));
    expect(byName.get(approved)?.customer).toBe('Contoso Ltd');
    expect(byName.get(pending)?.customer).toBeNull();
    // The list checks the code as the policy would (taking no place): the second connection is told why.
    expect(byName.get(pending)?.policyVerdict?.reason).toContain('onboardingCode code_exhausted');
    const evaluated = await parseBody(
      evaluateResultSchema,
      await api.call('POST', 'policy/evaluate', { as: 'reader' }),
    );
    const verdictOf = (name: string) =>
      evaluated.evaluations.find((e) => e.connection.name === name)?.verdict;
    expect(verdictOf(pending)?.reason).toContain('onboardingCode code_exhausted');
    const onlyContoso = await parseBody(
      connectionListSchema,
      await api.call('GET', 'connections?customer=contoso%20ltd', { as: 'reader' }),
    );
    expect(onlyContoso.items.map((i) => i.name)).toEqual([approved]);
    const audit = await api.call('GET', 'decisions', { as: 'reader' });
    const rows = (await parseBody(decisionListSchema, audit)).items.filter(
      (r) => r.connectionName === approved,
    );
    expect(rows.map((r) => [r.customer, r.onboardingCode])).toContainEqual(['Contoso Ltd', 'valid']);
    const mac = code.slice(-20);
    for (const text of [JSON.stringify(all), audit.text]) expect(text.toUpperCase()).not.toContain(mac);
  });

  it("the CLI issues, lists and revokes through the API, and reports the API's field errors", async () => {
    scenario(api.emulator, { env: { ...KEY_ENV, AUTH_MODE: 'dev' } });
    const base = `${api.host.url}/api`;
    const issued = await runCodesCommand(
      ['issue', '--customer', 'Contoso', '--days', '3', '--max', '2'],
      {},
      base,
    );
    expect(issued.exitCode).toBe(0);
    const [code, note] = issued.out.split('\n');
    expect(code).toMatch(/^PLG-[0-9A-Z]{34}$/);
    const id = /id (\w+)/.exec(note ?? '')?.[1] as string;
    const listed = await runCodesCommand(['list'], {}, base);
    expect(listed.exitCode).toBe(0);
    expect(listed.out).toContain(id);
    expect(listed.out).not.toContain(code as string);
    expect((await runCodesCommand(['revoke', id], {}, base)).exitCode).toBe(0);
    const bad = await runCodesCommand(['issue', '--customer', 'Contoso', '--days', 'soon'], {}, base);
    expect(bad.exitCode).toBe(1);
    expect(bad.out).toContain('days');
    expect((await runCodesCommand(['frobnicate'], {}, base)).exitCode).toBe(2);
  });
});
