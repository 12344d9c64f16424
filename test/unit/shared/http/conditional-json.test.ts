import { describe, expect, it } from 'vitest';
import { conditionalJson, jsonEtag, noneMatchHits } from '../../../../shared/http/conditional-json';

const request = (ifNoneMatch?: string) => ({
  headers: new Headers(ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch }),
});

describe('conditional JSON answers (the dashboard polls with them)', () => {
  it('tags equal bodies alike and different bodies apart, ignoring the volatile keys', () => {
    expect(jsonEtag({ a: 1 })).toBe(jsonEtag({ a: 1 }));
    expect(jsonEtag({ a: 1 })).not.toBe(jsonEtag({ a: 2 }));
    expect(jsonEtag({ generatedAt: 'x', a: 1 }, ['generatedAt'])).toBe(
      jsonEtag({ generatedAt: 'y', a: 1 }, ['generatedAt']),
    );
    expect(jsonEtag({ a: 1 })).toMatch(/^W\/"[\w-]+"$/);
  });

  it('answers 304 without a body when If-None-Match names the tag (weak comparison, lists, *), 200 otherwise', () => {
    const body = { items: [1, 2] };
    const first = conditionalJson(request(), body);
    expect(first.status).toBe(200);
    expect(first.jsonBody).toEqual(body);
    const etag = (first.headers as Record<string, string>).etag as string;
    const again = conditionalJson(request(etag), body);
    expect(again.status).toBe(304);
    expect(again.jsonBody).toBeUndefined();
    expect((again.headers as Record<string, string>).etag).toBe(etag);
    expect(conditionalJson(request(`"other", ${etag.slice(2)}`), body).status).toBe(304);
    expect(conditionalJson(request('*'), body).status).toBe(304);
    expect(conditionalJson(request(etag), { items: [1, 2, 3] }).status).toBe(200);
    expect(noneMatchHits(null, etag)).toBe(false);
  });
});
