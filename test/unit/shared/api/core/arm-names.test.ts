import { describe, expect, it } from 'vitest';
import {
  connectionNameSchema,
  plsNameSchema,
  plsReferenceSchema,
} from '../../../../../shared/api/core/arm-names';
import { resolveManagedPls, resolvePlsAmong } from '../../../../../shared/api/use-cases/managed-pls';
import { parseConfig } from '../../../../../shared/config/config';
import { silentLog } from '../../../../../shared/log';
import { appErrorOf } from '../../../../helpers/app-errors';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: string) =>
  schema.safeParse(value).success;

describe("ARM's naming rules", () => {
  it('accepts Private Link Service names of 1-80 allowed characters', () => {
    for (const name of ['a', 'pls-web', 'PLS_01.prod', `a${'b'.repeat(78)}c`, 'x_'])
      expect(ok(plsNameSchema, name)).toBe(true);
  });

  it.each(['', '-pls', 'pls-', 'pls.', 'pl s', 'pls/x', `a${'b'.repeat(80)}`, 'pls%2F', 'ü'])(
    'refuses the PLS name %j',
    (name) => {
      expect(ok(plsNameSchema, name)).toBe(false);
    },
  );

  it('accepts connection names as ARM makes them and refuses what would change the URL', () => {
    expect(ok(connectionNameSchema, 'pe-web-01.0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(ok(connectionNameSchema, `${'p'.repeat(64)}.0f8fad5b-d9cb-469f-a165-70867728950e`)).toBe(true);
    for (const bad of [
      '',
      '..',
      '.hidden',
      'a/b',
      'a?b',
      'a#b',
      'a\\b',
      'a b',
      `${'p'.repeat(65)}.0f8fad5b-d9cb-469f-a165-70867728950e`,
    ]) {
      expect(ok(connectionNameSchema, bad), bad).toBe(false);
    }
  });

  it('takes a PLS reference as a name or a full resource id', () => {
    expect(ok(plsReferenceSchema, 'pls-web')).toBe(true);
    expect(
      ok(
        plsReferenceSchema,
        '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web',
      ),
    ).toBe(true);
    expect(
      ok(
        plsReferenceSchema,
        '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls',
      ),
    ).toBe(false);
  });
});

describe('resolving {pls} to a managed Private Link Service', () => {
  const id = (rg: string, name: string) =>
    `/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/${rg}/providers/Microsoft.Network/privateLinkServices/${name}`;
  const config = parseConfig({
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    PLS_RESOURCE_IDS: [id('rg-a', 'pls-web'), id('rg-a', 'twin'), id('rg-b', 'twin')].join(','),
  });
  // Narrow wiring (no discovery): the static ids alone are managed.
  const managed = { plsResourceIds: config.approval.plsResourceIds };

  it('finds by name (case-insensitive) or by id, also when the id arrives still URL-encoded', async () => {
    const { normaliseReference } = await import('../../../../../shared/api/use-cases/managed-pls');
    expect((await resolveManagedPls(managed, 'PLS-WEB', silentLog)).id).toBe(id('rg-a', 'pls-web'));
    expect((await resolveManagedPls(managed, id('rg-b', 'twin').toUpperCase(), silentLog)).id).toBe(
      id('rg-b', 'twin'),
    );
    expect(
      (
        await resolveManagedPls(
          managed,
          normaliseReference(encodeURIComponent(id('rg-b', 'twin'))),
          silentLog,
        )
      ).id,
    ).toBe(id('rg-b', 'twin'));
  });

  it('answers 404 for an unmanaged PLS and 400 for an ambiguous name', () => {
    const all = config.approval.plsResourceIds.map((plsId) => ({
      id: plsId,
      name: plsId.split('/').at(-1) ?? '',
    }));
    const error = (ref: string) => appErrorOf(() => resolvePlsAmong(all, ref));
    expect(error('pls-other').status).toBe(404);
    expect(error(id('rg-c', 'pls-web')).status).toBe(404);
    expect(error('twin')).toMatchObject({ code: 'validation_failed', issues: [{ path: 'pls' }] });
  });
});
