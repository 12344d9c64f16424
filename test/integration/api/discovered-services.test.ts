import { describe, expect, it } from 'vitest';
import { reconcilePrivateLinkService } from '../../../shared/approval/use-cases/reconcile-pls';
import type { Container } from '../../../shared/composition-root';
import { PROVIDER_SUBSCRIPTION, plsIdOf } from '../../helpers/arm-emulator';
import { collectLog } from '../shared/approval/approval-world';
import { addPending, scenario, TRUSTED_SUBSCRIPTION, useApi } from './api-harness';

/*
 * A Private Link Service found only through Resource Graph (PLS_DISCOVERY_SCOPE/TAG, not in
 * PLS_RESOURCE_IDS) is managed by every path, not only the reconciliation timer: a person decides
 * its connections through the API, the lists and the link registry show them, and health reads it.
 * A PLS that is neither configured nor discovered stays refused with the same 404 as before.
 */
const api = useApi();
let tagCount = 0;

interface DiscoveryWorld {
  readonly container: Container;
  readonly discovered: string;
  readonly discoveredName: string;
  readonly unmanaged: string;
  readonly unmanagedName: string;
}

/** A provider app with no static list: one tagged PLS in its scope, one untagged beside it. */
function discoveryWorld(policy?: string, env: Record<string, string> = {}): DiscoveryWorld {
  tagCount++;
  const tag = `estate-${tagCount}`;
  const discoveredName = `pls-found-${tagCount}`;
  const unmanagedName = `pls-other-${tagCount}`;
  const discovered = plsIdOf(discoveredName, undefined, 'rg-discovered');
  const unmanaged = plsIdOf(unmanagedName, undefined, 'rg-discovered');
  api.emulator.world.addPrivateLinkService({ id: discovered, tags: { gatekeeper: tag } });
  api.emulator.world.addPrivateLinkService({ id: unmanaged });
  const { container } = scenario(api.emulator, {
    names: [],
    ...(policy === undefined ? {} : { policy }),
    env: { PLS_DISCOVERY_SCOPE: PROVIDER_SUBSCRIPTION, PLS_DISCOVERY_TAG: `gatekeeper=${tag}`, ...env },
  });
  expect(container.config.approval.plsResourceIds).toEqual([]);
  return { container, discovered, discoveredName, unmanaged, unmanagedName };
}

async function reconcile(container: Container, plsId: string): Promise<void> {
  const services = await container.approvalServices();
  await reconcilePrivateLinkService(services, await container.approvalPolicy(), plsId, {
    trigger: 'timer',
    correlationId: 'discovered-services',
    log: collectLog().log,
  });
}

function putsOn(plsId: string): number {
  return api.emulator.requestLog.entries.filter(
    (e) => e.kind === 'connection.put' && e.path.toLowerCase().includes(plsId.toLowerCase()),
  ).length;
}

describe('a discovered Private Link Service through the API', () => {
  it('a person approves a connection on it: read from ARM first, written, and audited', async () => {
    const w = discoveryWorld();
    // A ticket but no trusted tenant: the policy leaves it to a person.
    const name = addPending(api.emulator, w.discovered);

    const approve = await api.call('POST', `connections/${w.discoveredName}/${name}/approve`, {
      body: { reason: 'checked by hand' },
    });

    expect(approve.status, approve.text).toBe(200);
    expect(approve.body).toMatchObject({ outcome: 'applied', status: 'Approved' });
    expect(api.emulator.world.connection(w.discovered, name)?.status).toBe('Approved');
    // The discovered id was only a name: the connection was read from ARM before the PUT.
    const kinds = api.emulator.requestLog.entries
      .filter((e) => e.path.toLowerCase().includes(`/privatelinkservices/${w.discoveredName}`))
      .map((e) => e.kind);
    expect(kinds.indexOf('connection.get')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('connection.get')).toBeLessThan(kinds.indexOf('connection.put'));
    const decisions = await api.call('GET', `decisions?pls=${w.discoveredName}&connection=${name}`, {
      as: 'reader',
    });
    expect(decisions.status, decisions.text).toBe(200);
    expect(
      (decisions.body as { items: { kind: string; result?: string; actor: { name?: string } }[] }).items.map(
        (d) => `${d.kind}:${d.result ?? ''}:${d.actor.name ?? ''}`,
      ),
    ).toEqual(['outcome:succeeded:ops@contoso.example', 'intent::ops@contoso.example']);
  });

  it('a PLS neither configured nor discovered is still refused (404) with nothing written', async () => {
    const w = discoveryWorld();
    const name = addPending(api.emulator, w.unmanaged, { message: 'please' });

    for (const reference of [w.unmanagedName, encodeURIComponent(w.unmanaged)]) {
      const approve = await api.call('POST', `connections/${reference}/${name}/approve`, {
        body: { reason: 'should not work' },
      });
      expect(approve.status, approve.text).toBe(404);
      expect(approve.body).toMatchObject({ code: 'not_found' });
    }
    expect(putsOn(w.unmanaged)).toBe(0);
    expect(api.emulator.world.connection(w.unmanaged, name)?.status).toBe('Pending');
  });

  it('the connection list, one connection and the link registry include its connections', async () => {
    const w = discoveryWorld();
    const name = addPending(api.emulator, w.discovered, { message: 'please' });
    addPending(api.emulator, w.unmanaged, { message: 'please' });

    const list = await api.call('GET', 'connections', { as: 'reader' });
    expect(list.status, list.text).toBe(200);
    const items = (list.body as { items: { name: string; pls: { id: string } }[] }).items;
    expect(items.map((i) => [i.pls.id, i.name])).toEqual([[w.discovered, name]]);
    const one = await api.call('GET', `connections/${w.discoveredName}/${name}`, { as: 'reader' });
    expect(one.status, one.text).toBe(200);

    await reconcile(w.container, w.discovered);
    const linkId = api.emulator.world.privateLinkService(w.discovered)?.connections.get(name.toLowerCase())
      ?.linkIdentifier as string;
    const link = await api.call('GET', `links/${linkId}`, { as: 'reader' });
    expect(link.status, link.text).toBe(200);
    expect(link.body).toMatchObject({ pls: { id: w.discovered, name: w.discoveredName }, connection: name });
  });

  it('the policy dry run evaluates its connections and an onboarding code may name it; an unmanaged PLS may not', async () => {
    const w = discoveryWorld(undefined, {
      ONBOARDING_CODE_KEY: 'estate-test-onboarding-key-0123456789abcdefghijklmnop',
    });
    const name = addPending(api.emulator, w.discovered);
    addPending(api.emulator, w.unmanaged);

    const evaluated = await api.call('POST', 'policy/evaluate', { as: 'reader' });
    expect(evaluated.status, evaluated.text).toBe(200);
    const evaluations = (
      evaluated.body as { evaluations: { connection: { pls: { id: string }; name: string } }[] }
    ).evaluations;
    expect(evaluations.map((e) => [e.connection.pls.id, e.connection.name])).toEqual([[w.discovered, name]]);

    const issued = await api.call('POST', 'onboarding/codes', {
      body: { customer: 'Contoso Ltd', pls: w.discoveredName, days: 30 },
    });
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body).toMatchObject({ pls: w.discovered });
    const refused = await api.call('POST', 'onboarding/codes', {
      body: { customer: 'Contoso Ltd', pls: w.unmanagedName, days: 30 },
    });
    expect(refused.status, refused.text).toBe(404);
  });

  it("health's checks count it: ARM is read through it, the policy is checked, its exposure is a problem", async () => {
    // Visible to every subscription (the emulator's default) while the policy approves only a closed
    // set of subscriptions: an exposure contradiction the run records for health.
    const w = discoveryWorld(
      `version: 1\ndefault: { action: reject }\nrules:\n  - name: customers\n    action: approve\n    match: { consumerSubscriptions: ["${TRUSTED_SUBSCRIPTION}"] }\n`,
    );
    addPending(api.emulator, w.discovered, { message: 'please' });
    await reconcile(w.container, w.discovered);
    const before = api.emulator.requestLog.entries.length;

    const health = await api.call('GET', 'health', { as: 'reader' });

    expect(health.status, health.text).toBe(200);
    const report = health.body as {
      dependencies: { name: string; status: string }[];
      features: { approval: { detail: Record<string, unknown>; problem?: { issues: { path: string }[] } } };
    };
    expect(report.dependencies.map((d) => `${d.name}:${d.status}`)).toEqual(
      expect.arrayContaining(['arm:up', 'approvalPolicy:up']),
    );
    // A provider app by discovery alone still reports how new connections arrived.
    expect(health.body).toHaveProperty('eventFastPath');
    const reads = api.emulator.requestLog.entries.slice(before);
    expect(reads.some((e) => e.kind === 'pls.get' && e.path.includes(w.discoveredName))).toBe(true);
    expect(report.features.approval.problem?.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${w.discoveredName}\\.`))]),
    );
  });

  it('without the write right, health names the discovered PLS and the role to assign, until a write works', async () => {
    const w = discoveryWorld();
    // Discovery role only (no allowDiscoveredWrites): ARM refuses the connection PUT 403 AuthorizationFailed.
    api.emulator.world.denyConnectionWrites(w.discovered);
    const first = addPending(api.emulator, w.discovered);

    const refused = await api.call('POST', `connections/${w.discoveredName}/${first}/approve`, {
      body: { reason: 'checked by hand' },
    });

    expect(refused.status, refused.text).not.toBe(200);
    expect(api.emulator.world.connection(w.discovered, first)?.status).toBe('Pending');
    const problem = await approvalProblem();
    expect(problem?.issues).toEqual(
      expect.arrayContaining([
        {
          path: w.discoveredName,
          message: expect.stringMatching(
            new RegExp(`403 AuthorizationFailed.*operator role.*${w.discovered.replaceAll('/', '\\/')}`),
          ),
        },
      ]),
    );

    // The role is assigned: the next write goes through and the problem goes with it.
    api.emulator.world.allowConnectionWrites(w.discovered);
    const again = await api.call('POST', `connections/${w.discoveredName}/${first}/approve`, {
      body: { reason: 'checked by hand' },
    });
    expect(again.status, again.text).toBe(200);
    expect((await approvalProblem())?.issues ?? []).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ path: w.discoveredName })]),
    );
  });
});

async function approvalProblem(): Promise<{ issues: { path: string; message: string }[] } | undefined> {
  const health = await api.call('GET', 'health', { as: 'reader' });
  return (
    health.body as { features: { approval: { problem?: { issues: { path: string; message: string }[] } } } }
  ).features.approval.problem;
}
