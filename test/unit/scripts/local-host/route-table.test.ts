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
    expect(match('connections/{pls}', '/connections')).toBeUndefined();
    expect(match('connections/{pls}', '/connections/a/b')).toBeUndefined();
  });

  it('treats a trailing optional parameter as absent or present', () => {
    expect(match('probes/{target?}', '/probes')).toEqual({});
    expect(match('probes/{target?}', '/probes/iis')).toEqual({ target: 'iis' });
    expect(match('probes/{target=all}', '/probes')).toEqual({ target: 'all' });
  });

  it('gives a catch-all everything that is left, slashes included', () => {
    expect(match('files/{*rest}', '/files/a/b/c.txt')).toEqual({ rest: 'a/b/c.txt' });
    expect(match('files/{**rest}', '/files')).toEqual({});
  });

  it('applies constraints', () => {
    expect(match('items/{id:int}', '/items/42')).toEqual({ id: '42' });
    expect(match('items/{id:int}', '/items/x42')).toBeUndefined();
    expect(match('items/{id:int}', '/items/99999999999')).toBeUndefined();
    expect(match('items/{id:int:min(10)}', '/items/9')).toBeUndefined();
    expect(match('items/{id:range(1,5)}', '/items/5')).toEqual({ id: '5' });
    expect(match('items/{id:guid}', '/items/0f8fad5b-d9cb-469f-a165-70867728950e')).toEqual({
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
    expect(match('items/{code:regex(^[a-z]{{3}}$)}', '/items/abc')).toEqual({ code: 'abc' });
    expect(match('items/{code:regex(^[a-z]{{3}}$)}', '/items/abcd')).toBeUndefined();
    expect(match('items/{name:alpha:length(2,3)}', '/items/abcd')).toBeUndefined();
  });

  it('matches segments that mix literals and parameters', () => {
    expect(match('files/{name}.{ext}', '/files/report.v2.pdf')).toEqual({ name: 'report.v2', ext: 'pdf' });
    expect(match('files/{name}.{ext}', '/files/report')).toBeUndefined();
  });

  it('rejects templates the host would reject, naming the problem', () => {
    expect(() => compileRoute('a/{*rest}/b', ['GET'], 0)).toThrow(/catch-all parameter must be last/);
    expect(() => compileRoute('a/{x?}/b', ['GET'], 0)).toThrow(/only the last segment may be optional/);
    expect(() => compileRoute('a/{x}/{x}', ['GET'], 0)).toThrow(/appears twice/);
    expect(() => compileRoute('a/{x:banana}', ['GET'], 0)).toThrow(RouteTemplateError);
    expect(() => compileRoute('a/{x', ['GET'], 0)).toThrow(/unclosed/);
    expect(() => compileRoute('a//b', ['GET'], 0)).toThrow(/empty segment/);
  });
});

describe('RouteTable', () => {
  const table = new RouteTable([
    compileRoute('connections/{pls}', ['GET'], 'byPls'),
    compileRoute('connections/pending', ['GET'], 'pending'),
    compileRoute('connections/{id:int}', ['GET'], 'byNumber'),
    compileRoute('connections/{pls}/{name}/approve', ['POST'], 'approve'),
    compileRoute('{*anything}', ['GET'], 'fallback'),
  ]);

  it('prefers literal segments, then constrained parameters, then plain ones, then catch-alls', () => {
    const target = (path: string) => {
      const m = table.match('GET', pathSegments(path) ?? []);
      return m.kind === 'matched' ? m.route.target : m.kind;
    };
    expect(target('/connections/pending')).toBe('pending');
    expect(target('/connections/17')).toBe('byNumber');
    expect(target('/connections/pls-a')).toBe('byPls');
    expect(target('/somewhere/else')).toBe('fallback');
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
