/*
 * Route templates as the registrations use them: literal segments and whole-segment `{name}`
 * parameters, nothing more. The Functions host accepts the whole ASP.NET Core grammar, but a
 * local host that understood more than the app uses would hide a registration the tests never
 * exercise; anything else is refused here and by the registry test. Literals match
 * case-insensitively, like the host, and a literal segment wins over a parameter.
 */
type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'parameter'; readonly name: string };

export interface CompiledRoute<T> {
  readonly template: string;
  readonly methods: readonly string[];
  readonly target: T;
  readonly segments: readonly Segment[];
}

export type RouteMatch<T> =
  | { readonly kind: 'matched'; readonly route: CompiledRoute<T>; readonly params: Record<string, string> }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

export class RouteTemplateError extends Error {
  constructor(template: string, reason: string) {
    super(`Invalid route template "${template}": ${reason}`);
    this.name = 'RouteTemplateError';
  }
}

const LITERAL = /^[A-Za-z0-9._~-]+$/;
const PARAMETER = /^\{([A-Za-z][A-Za-z0-9]*)\}$/;

function parseSegment(text: string, template: string): Segment {
  if (text === '') throw new RouteTemplateError(template, 'empty segment');
  if (LITERAL.test(text)) return { kind: 'literal', text: text.toLowerCase() };
  const parameter = PARAMETER.exec(text);
  if (parameter?.[1] !== undefined) return { kind: 'parameter', name: parameter[1] };
  throw new RouteTemplateError(
    template,
    `segment "${text}" is neither a literal nor a whole-segment {name}; the local host supports only those (no optional, catch-all, default, constrained or mixed segments)`,
  );
}

export function compileRoute<T>(template: string, methods: readonly string[], target: T): CompiledRoute<T> {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map((s) => parseSegment(s, template));
  const names = new Set<string>();
  for (const segment of segments) {
    if (segment.kind !== 'parameter') continue;
    const key = segment.name.toLowerCase();
    if (names.has(key)) throw new RouteTemplateError(template, `parameter "${segment.name}" appears twice`);
    names.add(key);
  }
  return { template, methods: methods.map((m) => m.toUpperCase()), target, segments };
}

/** Matches decoded path segments (below the route prefix) against one route; returns the parameters or undefined. */
export function matchRoute<T>(
  route: CompiledRoute<T>,
  path: readonly string[],
): Record<string, string> | undefined {
  if (path.length !== route.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const value = path[index] as string;
    if (segment.kind === 'parameter') params[segment.name] = value;
    else if (value.toLowerCase() !== segment.text) return undefined;
  }
  return params;
}

/** Literal before parameter, segment by segment, so `connections/pending` beats `connections/{pls}`. */
function compareSpecificity<T>(a: CompiledRoute<T>, b: CompiledRoute<T>): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const rank = (r: CompiledRoute<T>) => (r.segments[i]?.kind === 'literal' ? 0 : 1);
    const diff = rank(a) - rank(b);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Splits a URL path into decoded segments; undefined when it holds an undecodable escape or an empty inner segment. */
export function pathSegments(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '');
  if (trimmed === '') return [];
  try {
    const decoded = trimmed.split('/').map((s) => decodeURIComponent(s));
    return decoded.some((s) => s === '') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

export class RouteTable<T> {
  private readonly routes: CompiledRoute<T>[];

  constructor(routes: readonly CompiledRoute<T>[]) {
    this.routes = [...routes].sort(compareSpecificity);
  }

  get size(): number {
    return this.routes.length;
  }

  /** The best route for the path and method; 405 (with what is allowed) when the path exists under other methods only. */
  match(method: string, path: readonly string[]): RouteMatch<T> {
    const upper = method.toUpperCase();
    const allow = new Set<string>();
    for (const route of this.routes) {
      const params = matchRoute(route, path);
      if (params === undefined) continue;
      if (route.methods.includes(upper)) return { kind: 'matched', route, params };
      for (const m of route.methods) allow.add(m);
    }
    return allow.size > 0 ? { kind: 'methodNotAllowed', allow: [...allow].sort() } : { kind: 'notFound' };
  }
}
