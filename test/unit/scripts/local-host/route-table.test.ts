import { describe, expect, it } from 'vitest';
import {
  compileRoute,
  matchRoute,
  pathSegments,
  RouteTable,
  RouteTemplateError,
} from '../../../../scripts/local-host/route-table';

const match = (template: string, path: string) =>
  matchRoute(compileRoute(template, ['GET'], template), pathSegments(path) ?? []);

describe('route templates', () => {
  it('matches literals case-insensitively and names parameters', () => {
    expect(match('connections/{pls}/{connection}/approve', '/Connections/pls-a/pe%20one/APPROVE')).toEqual({
      pls: 'pls-a',
      connection: 'pe one',
    });
    expect(match('openapi.json', '/OpenAPI.json')).toEqual({});
    expect(match('connections/{pls}', '/connections')).toBeUndefined();
    expect(match('connections/{pls}', '/connections/a/b')).toBeUndefined();
  });

  it('refuses every part of the host grammar the registrations do not use, naming the segment', () => {
    for (const template of [
      'probes/{target?}',
      'files/{*rest}',
      'files/{**rest}',
      'items/{id:int}',
      'items/{id=1}',
      'files/{name}.{ext}',
    ]) {
      expect(() => compileRoute(template, ['GET'], 0), template).toThrow(RouteTemplateError);
    }
    expect(() => compileRoute('a/{x:int}', ['GET'], 0)).toThrow(/segment "\{x:int\}"/);
    expect(() => compileRoute('a/{x}/{X}', ['GET'], 0)).toThrow(/appears twice/);
    expect(() => compileRoute('a//b', ['GET'], 0)).toThrow(/empty segment/);
  });
});

describe('RouteTable', () => {
  const table = new RouteTable([
    compileRoute('connections/{pls}', ['GET'], 'byPls'),
    compileRoute('connections/pending', ['GET'], 'pending'),
    compileRoute('{area}/{pls}/{name}', ['GET'], 'generic'),
    compileRoute('connections/{pls}/{name}', ['GET'], 'byName'),
  ]);
  const target = (path: string) => {
    const m = table.match('GET', pathSegments(path) ?? []);
    return m.kind === 'matched' ? m.route.target : m.kind;
  };

  it('prefers a literal segment over a parameter, whatever the registration order', () => {
    expect(target('/connections/pending')).toBe('pending');
    expect(target('/connections/pls-a')).toBe('byPls');
    expect(target('/connections/pls-a/pe-1')).toBe('byName');
    expect(target('/probes/a/b')).toBe('generic');
  });

  it('answers method-not-allowed with what the path accepts', () => {
    const m = new RouteTable([compileRoute('a/{b}/approve', ['POST', 'PUT'], 1)]).match(
      'GET',
      pathSegments('/a/x/approve') ?? [],
    );
    expect(m).toEqual({ kind: 'methodNotAllowed', allow: ['POST', 'PUT'] });
  });

  it('reports not found when no template matches', () => {
    expect(new RouteTable([compileRoute('a', ['GET'], 1)]).match('GET', ['b']).kind).toBe('notFound');
  });
});

describe('pathSegments', () => {
  it('decodes segments and ignores one trailing slash', () => {
    expect(pathSegments('/a/b%2Fc/')).toEqual(['a', 'b/c']);
    expect(pathSegments('/')).toEqual([]);
  });
  it('refuses empty inner segments and broken escapes', () => {
    expect(pathSegments('/a//b')).toBeUndefined();
    expect(pathSegments('/a/%E0%A4%A')).toBeUndefined();
  });
});
