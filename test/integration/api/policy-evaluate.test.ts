import { describe, expect, it } from 'vitest';
import {
  decisionListSchema,
  evaluateResultSchema,
  problemSchema,
} from '../../../shared/api/core/api-schemas';
import { privateEndpointIdOf } from '../../helpers/arm-emulator';
import { parseBody } from '../../helpers/parse-body';
import {
  addPending,
  OTHER_SUBSCRIPTION,
  scenario,
  TRUSTED_SUBSCRIPTION,
  TRUSTED_TENANT,
  useApi,
} from './api-harness';

const api = useApi();

describe('POST /api/policy/evaluate', () => {
  it('evaluates the current policy against every connection and changes nothing', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsIds[0] as string;
    const trusted = addPending(api.emulator, pls, {
      subscription: TRUSTED_SUBSCRIPTION,
      message: 'CHG1234567',
    });
    const manual = addPending(api.emulator, pls, { subscription: OTHER_SUBSCRIPTION, message: 'CHG1234567' });
    const before = { puts: api.emulator.requestLog.count('connection.put') };
    const response = await api.call('POST', 'policy/evaluate', { as: 'reader' });
    expect(response.status).toBe(200);
    const result = await parseBody(evaluateResultSchema, response);
    expect(result.policy).toMatchObject({ source: 'current', rules: 2, defaultAction: 'manual' });
    const byName = new Map(result.evaluations.map((e) => [e.connection.name, e.verdict]));
    expect(byName.get(trusted)).toMatchObject({ action: 'approve', rule: 'trusted-tenant' });
    expect(byName.get(manual)).toMatchObject({
      action: 'manual',
      rule: null,
      skipped: [
        { rule: 'require-ticket', failed: 'not.requestMessage' },
        { rule: 'trusted-tenant', failed: 'consumerTenants' },
      ],
    });
    expect(result.summary).toEqual({ approve: 1, reject: 0, manual: 1 });
    expect(api.emulator.requestLog.count('connection.put')).toBe(before.puts);
    expect(api.emulator.world.connection(pls, trusted)?.status).toBe('Pending');
    const audit = await parseBody(decisionListSchema, await api.call('GET', 'decisions', { as: 'reader' }));
    expect(audit.items).toEqual([]);
  });

  it('a draft with an entitlement rule: the dry run calls no system and says the check was not asked', async () => {
    const s = scenario(api.emulator);
    const draft = {
      version: 1,
      rules: [{ name: 'customers', action: 'entitlement', match: {} }],
      default: { action: 'reject' },
    };
    const connection = {
      pls: s.plsNames[0],
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBSCRIPTION, 'pe-what-if'),
      requestMessage: 'hello',
    };
    const response = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: { policy: draft, connection },
    });
    expect(response.status).toBe(200);
    const result = await parseBody(evaluateResultSchema, response);
    expect(result.evaluations[0]?.verdict).toMatchObject({
      action: 'manual',
      rule: 'customers',
      reason:
        'rule customers matched, but the entitlement check is asked only when reconciliation decides, not for this view; left for a person',
      effect: 'none',
    });
  });

  it('tries a draft policy (text or object) against a hypothetical connection', async () => {
    const s = scenario(api.emulator);
    const draft = {
      version: 1,
      rules: [{ name: 'tenant-ok', action: 'approve', match: { consumerTenants: [TRUSTED_TENANT] } }],
      default: { action: 'reject' },
    };
    const connection = {
      pls: s.plsNames[0],
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBSCRIPTION, 'pe-what-if'),
      requestMessage: 'no ticket',
    };
    const asObject = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: { policy: draft, connection },
    });
    expect(asObject.status).toBe(200);
    const result = await parseBody(evaluateResultSchema, asObject);
    expect(result.policy.source).toBe('request');
    expect(result.evaluations).toHaveLength(1);
    expect(result.evaluations[0]?.connection).toMatchObject({
      hypothetical: true,
      consumerTenantId: TRUSTED_TENANT,
    });
    expect(result.evaluations[0]?.verdict).toMatchObject({
      action: 'approve',
      rule: 'tenant-ok',
      effect: 'approve',
    });

    const asText = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: {
        policy: 'version: 1\nrules: []\ndefault: { action: reject }\n',
        connection: { ...connection, consumerTenantId: TRUSTED_TENANT },
      },
    });
    expect((await parseBody(evaluateResultSchema, asText)).evaluations[0]?.verdict).toMatchObject({
      action: 'reject',
      reason: 'no rule matched; default is reject',
    });
  });

  it('answers a bad draft with 400 listing every problem with its path', async () => {
    scenario(api.emulator);
    const response = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: {
        policy: {
          version: 1,
          rules: [{ name: 'r1', action: 'approve', match: { requestMessage: '([', consumerTenant: ['x'] } }],
          default: { action: 'approve' },
        },
      },
    });
    expect(response.status).toBe(400);
    const paths = ((await parseBody(problemSchema, response)).errors ?? []).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'policy.rules[0].match',
        'policy.rules[0].match.requestMessage',
        'policy.default.action',
      ]),
    );
    const yamlError = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: { policy: 'version: [1' },
    });
    expect(yamlError.status).toBe(400);
  });

  it('refuses unknown fields, non-JSON and oversized bodies', async () => {
    scenario(api.emulator);
    const unknown = await api.call('POST', 'policy/evaluate', { as: 'reader', body: { polcy: 'x' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toMatch(/polcy/);
    const text = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      rawBody: 'version: 1',
      contentType: 'text/yaml',
    });
    expect(text.status).toBe(415);
    const big = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: { policy: 'x'.repeat(17 * 1024) },
    });
    expect(big.status).toBe(413);
    const broken = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      rawBody: '{"policy": ',
      contentType: 'application/json',
    });
    expect(broken.status).toBe(400);
  });
});
