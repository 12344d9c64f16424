import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET } from '../../../../shared/approval/core/onboarding-code';
import {
  issueOnboardingCode,
  revokeOnboardingCode,
} from '../../../../shared/approval/use-cases/onboarding-codes';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import type { Container } from '../../../../shared/composition-root';
import {
  armTestContainer,
  guidOf,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { uniqueTablePrefix } from '../../../helpers/storage';
import { collectLog, servicesAndPolicy } from './approval-world';

const emulators = useArmEmulatorPerTest();

const KEY = 'test-onboarding-key-0123456789abcdefghijklmnopqrstuvwxyz';
const OLD_KEY = 'old-onboarding-key-0123456789abcdefghijklmnopqrstuvwxyz';
const POLICY = `
version: 1
default: { action: manual }
rules:
  - name: saas-onboarding
    action: approve
    match: { onboardingCode: valid }
`;
const DAY = 86_400_000;

/** A clock the test moves: codes are issued now and some connections arrive days later. */
function movableClock(start: Date) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

async function issue(
  container: Container,
  request: { customer: string; pls?: string; days?: number; maxConnections?: number },
) {
  const ports = await container.onboardingCodes();
  return issueOnboardingCode(ports, {
    customer: request.customer,
    pls: request.pls,
    expiresAt: new Date(ports.clock.now().getTime() + (request.days ?? 7) * DAY),
    maxConnections: request.maxConnections ?? 1,
    issuedBy: 'Alice Approver',
  });
}

/** Every row of every table of this installation, as text. */
async function dumpTables(container: Container): Promise<string> {
  const service = await container.tableService();
  const prefix = container.tableName('');
  const rows: string[] = [];
  for await (const table of service.listTables()) {
    if (table.name === undefined || !table.name.startsWith(prefix)) continue;
    const client = await container.tableClient(table.name);
    for await (const row of client.listEntities()) rows.push(`${table.name} ${JSON.stringify(row)}`);
  }
  return rows.join('\n');
}

function tampered(code: string): string {
  const last = code.at(-1) as string;
  return `${code.slice(0, -1)}${CODE_ALPHABET[(CODE_ALPHABET.indexOf(last) + 1) % 32]}`;
}

describe('signed onboarding codes through reconciliation (ARM emulator, Azurite)', () => {
  it('approves a valid code and binds the customer; a tampered, foreign-PLS, revoked, exhausted or expired code never approves, and says why', async () => {
    const emulator = await emulators.start();
    const plsA = plsIdOf('pls-saas');
    const plsB = plsIdOf('pls-other');
    emulator.world.addPrivateLinkService({ id: plsA });
    emulator.world.addPrivateLinkService({ id: plsB });
    const clock = movableClock(new Date());
    const container = armTestContainer(
      emulator,
      [plsA, plsB],
      { APPROVAL_POLICY: POLICY, ONBOARDING_CODE_KEY: KEY },
      { clock },
    );
    const good = await issue(container, { customer: 'Contoso', pls: plsA });
    const forB = await issue(container, { customer: 'Fabrikam', pls: 'pls-other' });
    const revoked = await issue(container, { customer: 'Litware' });
    const once = await issue(container, { customer: 'Northwind', maxConnections: 1 });
    const shortLived = await issue(container, { customer: 'Tailspin', days: 1 });
    await revokeOnboardingCode(await container.onboardingCodes(), revoked.record.id, 'Bob');

    const sub = guidOf(7, 'c7');
    const add = (pe: string, message: string, plsId = plsA) =>
      emulator.world.addConnection({
        plsId,
        privateEndpointId: privateEndpointIdOf(sub, pe),
        requestMessage: message,
      }).name;
    const names = {
      good: add('pe-good', `Contoso prod ${good.code.toLowerCase()}`),
      tampered: add('pe-tampered', `Contoso test ${tampered(good.code)}`),
      wrongPls: add('pe-wrong-pls', `Fabrikam ${forB.code}`),
      revoked: add('pe-revoked', `Litware ${revoked.code}`),
      exhaustedFirst: add('pe-nw-1', `Northwind one ${once.code}`),
      exhaustedSecond: add('pe-nw-2', `Northwind two ${once.code}`),
    };
    const { services, policy } = await servicesAndPolicy(container);
    const { log, entries } = collectLog();
    const run = (id: string) =>
      reconcileAll(services, policy, [plsA, plsB], 2, { trigger: 'timer', correlationId: id, log });
    await run('run-1');

    const status = (name: string, plsId = plsA) => emulator.world.connection(plsId, name)?.status;
    expect(status(names.good)).toBe('Approved');
    expect(status(names.tampered)).toBe('Pending');
    expect(status(names.wrongPls)).toBe('Pending');
    expect(status(names.revoked)).toBe('Pending');
    const northwind = [status(names.exhaustedFirst), status(names.exhaustedSecond)].sort();
    expect(northwind).toEqual(['Approved', 'Pending']);

    // The connection belongs to the code's customer: on its record and on its audit rows.
    const record = await services.records.get(plsA, names.good);
    expect(record?.customer).toBe('Contoso');
    expect(record?.requestMessage).toBe(`Contoso prod [onboarding code ${good.record.id}]`);
    const audit = await container.table('AuditByTime');
    const rows: Record<string, unknown>[] = [];
    for await (const row of audit.listEntities<Record<string, unknown>>()) rows.push(row);
    const rowsOf = (name: string) => rows.filter((r) => r.connectionName === name);
    expect(rowsOf(names.good).map((r) => [r.kind, r.customer, r.onboardingCode])).toEqual(
      expect.arrayContaining([
        ['intent', 'Contoso', 'valid'],
        ['outcome', 'Contoso', 'valid'],
      ]),
    );
    const reasonOf = (name: string) => rowsOf(name).find((r) => r.kind === 'verdict');
    expect(reasonOf(names.tampered)?.onboardingCode).toBe('code_invalid');
    expect(reasonOf(names.wrongPls)?.onboardingCode).toBe('code_wrong_pls');
    expect(reasonOf(names.revoked)?.onboardingCode).toBe('code_revoked');
    expect(String(reasonOf(names.revoked)?.reason)).toContain('onboardingCode code_revoked');
    const second =
      northwind[0] === status(names.exhaustedFirst) ? names.exhaustedSecond : names.exhaustedFirst;
    const pendingNorthwind = status(names.exhaustedFirst) === 'Pending' ? names.exhaustedFirst : second;
    expect(reasonOf(pendingNorthwind)?.onboardingCode).toBe('code_exhausted');

    // Two days later the one-day code has expired: a connection presenting it is left for a person.
    clock.advance(2 * DAY);
    const late = add('pe-late', `Tailspin ${shortLived.code}`);
    await run('run-2');
    expect(status(late)).toBe('Pending');
    const lateRows: Record<string, unknown>[] = [];
    for await (const row of audit.listEntities<Record<string, unknown>>()) lateRows.push(row);
    expect(lateRows.find((r) => r.connectionName === late && r.kind === 'verdict')?.onboardingCode).toBe(
      'code_expired',
    );
    // Later runs keep the customer on the record.
    expect((await services.records.get(plsA, names.good))?.customer).toBe('Contoso');
    // Re-evaluation does not count a connection twice: the Approved one still holds the one place.
    const list = await (await container.onboardingCodes()).codes.list();
    expect(list.find((r) => r.id === good.record.id)?.places).toHaveLength(1);

    // No code is in any table row or log line, in any case: only ids and MAC-derived facts are kept.
    const dump = (await dumpTables(container)).toUpperCase();
    const logged = JSON.stringify(entries).toUpperCase();
    for (const code of [good.code, forB.code, revoked.code, once.code, shortLived.code]) {
      const mac = code.slice(-20);
      expect(dump).not.toContain(mac);
      expect(logged).not.toContain(mac);
    }
  }, 60_000);

  it('exhausted under two instances: connections racing for a code’s places through two containers take exactly maxConnections', async () => {
    const prefix = uniqueTablePrefix();
    const env = { TABLE_NAME_PREFIX: prefix, ONBOARDING_CODE_KEY: KEY };
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-race');
    const one = armTestContainer(emulator, [pls], env);
    const two = armTestContainer(emulator, [pls], env);
    const { record } = await issue(one, { customer: 'Contoso', maxConnections: 3 });
    // Each container builds its own store and table client, as two instances would.
    const [a, b] = [(await one.approvalServices()).codes, (await two.approvalServices()).codes];
    const now = new Date();
    const attempts = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? a : b).claim(
        record.id,
        {
          plsId: pls,
          plsName: 'pls-race',
          connectionId: `${pls}/privateEndpointConnections/pe-${i}.${guidOf(i, 'aa')}`,
        },
        now,
        'take',
      ),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r?.decision.ok === true)).toHaveLength(3);
    expect(
      results.filter((r) => r?.decision.ok === false && r.decision.reason === 'code_exhausted'),
    ).toHaveLength(9);
    const stored = (await a.list()).find((r) => r.id === record.id);
    expect(stored?.places).toHaveLength(3);

    // A winner evaluated again (by the other instance) keeps its place and takes no second one.
    const winner = results.findIndex((r) => r?.decision.ok === true);
    const again = await (winner % 2 === 0 ? b : a).claim(
      record.id,
      {
        plsId: pls,
        plsName: 'pls-race',
        connectionId: `${pls}/privateEndpointConnections/pe-${winner}.${guidOf(winner, 'aa')}`.toUpperCase(),
      },
      now,
      'take',
    );
    expect(again?.decision.ok).toBe(true);
    expect((await a.list()).find((r) => r.id === record.id)?.places).toHaveLength(3);
  }, 60_000);

  it('key rotation: a code signed with the previous key approves while that key is set, and not once it is removed', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-rotate');
    emulator.world.addPrivateLinkService({ id: pls });
    const prefix = uniqueTablePrefix();
    const before = armTestContainer(emulator, [pls], {
      TABLE_NAME_PREFIX: prefix,
      ONBOARDING_CODE_KEY: OLD_KEY,
    });
    const oldCode = (await issue(before, { customer: 'Contoso', maxConnections: 5 })).code;
    const sub = guidOf(8, 'c8');
    const add = (pe: string) =>
      emulator.world.addConnection({
        plsId: pls,
        privateEndpointId: privateEndpointIdOf(sub, pe),
        requestMessage: oldCode,
      }).name;
    const run = async (container: Container, id: string) => {
      const { services, policy } = await servicesAndPolicy(container);
      await reconcileAll(services, policy, [pls], 1, {
        trigger: 'timer',
        correlationId: id,
        log: collectLog().log,
      });
    };
    const rotated = armTestContainer(emulator, [pls], {
      TABLE_NAME_PREFIX: prefix,
      APPROVAL_POLICY: POLICY,
      ONBOARDING_CODE_KEY: KEY,
      ONBOARDING_CODE_KEY_PREVIOUS: OLD_KEY,
    });
    const first = add('pe-during-rotation');
    await run(rotated, 'rotation');
    expect(emulator.world.connection(pls, first)?.status).toBe('Approved');

    const removed = armTestContainer(emulator, [pls], {
      TABLE_NAME_PREFIX: prefix,
      APPROVAL_POLICY: POLICY,
      ONBOARDING_CODE_KEY: KEY,
    });
    const secondName = add('pe-after-removal');
    await run(removed, 'after-removal');
    expect(emulator.world.connection(pls, secondName)?.status).toBe('Pending');
  }, 60_000);

  it('a bad key setting switches codes off, nothing else: code rules never match, other rules still decide', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-badkey');
    emulator.world.addPrivateLinkService({ id: pls });
    const prefix = uniqueTablePrefix();
    const good = armTestContainer(emulator, [pls], { TABLE_NAME_PREFIX: prefix, ONBOARDING_CODE_KEY: KEY });
    const { code } = await issue(good, { customer: 'Contoso' });
    const broken = armTestContainer(emulator, [pls], {
      TABLE_NAME_PREFIX: prefix,
      ONBOARDING_CODE_KEY: 'short',
      APPROVAL_POLICY: `${POLICY}  - name: ticket\n    action: approve\n    match: { requestMessage: "CHG\\\\d{7}" }\n`,
    });
    const sub = guidOf(9, 'c9');
    const add = (pe: string, message: string) =>
      emulator.world.addConnection({
        plsId: pls,
        privateEndpointId: privateEndpointIdOf(sub, pe),
        requestMessage: message,
      }).name;
    const withCode = add('pe-code', code);
    const withTicket = add('pe-ticket', 'CHG1234567');
    const { services, policy } = await servicesAndPolicy(broken);
    const { log } = collectLog();
    await reconcileAll(services, policy, [pls], 1, { trigger: 'timer', correlationId: 'bad-key', log });
    expect(emulator.world.connection(pls, withCode)?.status).toBe('Pending');
    expect(emulator.world.connection(pls, withTicket)?.status).toBe('Approved');
    const rows: Record<string, unknown>[] = [];
    for await (const row of (await broken.table('AuditByTime')).listEntities<Record<string, unknown>>())
      rows.push(row);
    expect(rows.find((r) => r.connectionName === withCode && r.kind === 'verdict')?.onboardingCode).toBe(
      'code_keys_missing',
    );
  }, 60_000);
});
