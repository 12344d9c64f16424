/**
 * Route templates in the Functions host's syntax (ASP.NET Core routing), compiled to matchers:
 * literal segments, `{name}`, optional `{name?}`, catch-all `{*rest}` / `{**rest}`, defaults
 * `{name=value}`, and inline constraints `{id:int}`, `{id:int:min(1)}`, `{code:regex(^[a-z]+$)}`.
 * Segments may mix literals and parameters (`{file}.{ext}`). Matching is case-insensitive for
 * literals, like the host; when several routes match, the more specific one wins.
 */

export interface RouteParameter {
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly RouteConstraint[];
}

export interface RouteConstraint {
  readonly name: string;
  readonly argument: string | undefined;
  test(value: string): boolean;
}

type SegmentPart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'parameter'; readonly parameter: RouteParameter };

interface CompiledSegment {
  readonly parts: readonly SegmentPart[];
  /** Set for segments with one part that is a parameter, so the common case needs no regex. */
  readonly regex: RegExp | undefined;
}

export interface CompiledRoute<T> {
  readonly template: string;
  readonly methods: readonly string[];
  readonly target: T;
  readonly segments: readonly CompiledSegment[];
  /** Lower sorts first: ASP.NET's precedence, segment by segment (literal < constrained < plain < optional < catch-all). */
  readonly precedence: readonly number[];
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

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };

function constraint(name: string, argument: string | undefined, template: string): RouteConstraint {
  const number = (): number => {
    const value = Number(argument);
    if (argument === undefined || !Number.isFinite(value))
      throw new RouteTemplateError(template, `constraint ${name} needs a number argument`);
    return value;
  };
  const pair = (): [number, number] => {
    const [a, b] = (argument ?? '').split(',').map((s) => Number(s.trim()));
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b))
      throw new RouteTemplateError(template, `constraint ${name} needs two number arguments`);
    return [a, b];
  };
  const make = (test: (value: string) => boolean): RouteConstraint => ({ name, argument, test });
  switch (name) {
    case 'int':
      return make((v) => /^-?\d+$/.test(v) && Number(v) >= INT32.min && Number(v) <= INT32.max);
    case 'long':
      return make((v) => /^-?\d{1,19}$/.test(v));
    case 'bool':
      return make((v) => /^(true|false)$/i.test(v));
    case 'guid':
      return make((v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v));
    case 'alpha':
      return make((v) => /^[a-z]+$/i.test(v));
    case 'decimal':
    case 'double':
    case 'float':
      return make((v) => /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v));
    case 'datetime':
      return make((v) => !Number.isNaN(Date.parse(v)));
    case 'min': {
      const min = number();
      return make((v) => /^-?\d+$/.test(v) && Number(v) >= min);
    }
    case 'max': {
      const max = number();
      return make((v) => /^-?\d+$/.test(v) && Number(v) <= max);
    }
    case 'range': {
      const [min, max] = pair();
      return make((v) => /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max);
    }
    case 'minlength': {
      const min = number();
      return make((v) => v.length >= min);
    }
    case 'maxlength': {
      const max = number();
      return make((v) => v.length <= max);
    }
    case 'length': {
      if (argument?.includes(',')) {
        const [min, max] = pair();
        return make((v) => v.length >= min && v.length <= max);
      }
      const exact = number();
      return make((v) => v.length === exact);
    }
    case 'regex': {
      if (argument === undefined) throw new RouteTemplateError(template, 'constraint regex needs a pattern');
      let regex: RegExp;
      try {
        regex = new RegExp(argument, 'i');
      } catch {
        throw new RouteTemplateError(
          template,
          `constraint regex(${argument}) is not a valid regular expression`,
        );
      }
      return make((v) => regex.test(v));
    }
    default:
      throw new RouteTemplateError(template, `unknown constraint "${name}"`);
  }
}

/** Splits `id:int:regex(a:b)` at colons that are not inside parentheses. */
function splitConstraints(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

function parseParameter(body: string, template: string): RouteParameter {
  let text = body;
  let catchAll = false;
  if (text.startsWith('**')) {
    catchAll = true;
    text = text.slice(2);
  } else if (text.startsWith('*')) {
    catchAll = true;
    text = text.slice(1);
  }
  let defaultValue: string | undefined;
  const eq = text.indexOf('=');
  if (eq >= 0 && !text.slice(0, eq).includes('(')) {
    defaultValue = text.slice(eq + 1);
    text = text.slice(0, eq);
  }
  let optional = false;
  if (text.endsWith('?')) {
    optional = true;
    text = text.slice(0, -1);
  }
  const [name = '', ...constraintTexts] = splitConstraints(text);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new RouteTemplateError(template, `bad parameter name "${name}"`);
  const constraints = constraintTexts.map((c) => {
    const m = /^([a-z]+)(?:\((.*)\))?$/i.exec(c);
    if (m === null) throw new RouteTemplateError(template, `bad constraint "${c}"`);
    // Braces inside a constraint are doubled in templates (`regex(^\\d{{3}}$)`), as in ASP.NET.
    const argument = m[2]?.replaceAll('{{', '{').replaceAll('}}', '}');
    return constraint((m[1] ?? '').toLowerCase(), argument, template);
  });
  return {
    name,
    optional: optional || catchAll || defaultValue !== undefined,
    catchAll,
    defaultValue,
    constraints,
  };
}

function parseSegment(segment: string, template: string): CompiledSegment {
  const parts: SegmentPart[] = [];
  let i = 0;
  let literal = '';
  while (i < segment.length) {
    const ch = segment[i];
    if (ch === '{' && segment[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (ch === '}' && segment[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (ch === '{') {
      // A parameter ends at the first `}` outside parentheses (regex constraints may contain braces in groups).
      let depth = 0;
      let j = i + 1;
      for (; j < segment.length; j++) {
        const c = segment[j];
        if (c === '(') depth++;
        else if (c === ')') depth--;
        else if (c === '}' && depth === 0) break;
      }
      if (j >= segment.length) throw new RouteTemplateError(template, 'unclosed "{"');
      if (literal !== '') parts.push({ kind: 'literal', text: literal });
      literal = '';
      const previous = parts[parts.length - 1];
      if (previous?.kind === 'parameter')
        throw new RouteTemplateError(template, 'two parameters in one segment need a literal between them');
      parts.push({ kind: 'parameter', parameter: parseParameter(segment.slice(i + 1, j), template) });
      i = j + 1;
    } else if (ch === '}') {
      throw new RouteTemplateError(template, 'unmatched "}"');
    } else {
      literal += ch;
      i++;
    }
  }
  if (literal !== '') parts.push({ kind: 'literal', text: literal });
  const complex = parts.length > 1;
  if (complex && parts.some((p) => p.kind === 'parameter' && p.parameter.catchAll))
    throw new RouteTemplateError(template, 'a catch-all parameter must be a whole segment');
  return { parts, regex: complex ? segmentRegex(parts) : undefined };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function segmentRegex(parts: readonly SegmentPart[]): RegExp {
  const source = parts
    .map((p, index) => {
      if (p.kind === 'literal') return escapeRegex(p.text);
      // Greedy: ASP.NET matches complex segments from the right, so `{name}.{ext}` splits at the last dot.
      const group = `(?<p${index}>.+)`;
      return p.parameter.optional ? `${group}?` : group;
    })
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

function precedenceOf(segment: CompiledSegment): number {
  const [only] = segment.parts;
  if (segment.parts.length > 1) return 1.5;
  if (only === undefined || only.kind === 'literal') return 1;
  const p = only.parameter;
  if (p.catchAll) return 5;
  if (p.optional) return 4;
  return p.constraints.length > 0 ? 2 : 3;
}

export function compileRoute<T>(template: string, methods: readonly string[], target: T): CompiledRoute<T> {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const raw = trimmed === '' ? [] : trimmed.split('/');
  const segments = raw.map((s) => {
    if (s === '') throw new RouteTemplateError(template, 'empty segment');
    return parseSegment(s, template);
  });
  const names = new Set<string>();
  segments.forEach((segment, index) => {
    for (const part of segment.parts) {
      if (part.kind !== 'parameter') continue;
      const key = part.parameter.name.toLowerCase();
      if (names.has(key))
        throw new RouteTemplateError(template, `parameter "${part.parameter.name}" appears twice`);
      names.add(key);
      const last = index === segments.length - 1;
      if (part.parameter.catchAll && !last)
        throw new RouteTemplateError(template, 'a catch-all parameter must be last');
      if (part.parameter.optional && !last && segment.parts.length === 1)
        throw new RouteTemplateError(template, 'only the last segment may be optional');
    }
  });
  return {
    template,
    methods: methods.map((m) => m.toUpperCase()),
    target,
    segments,
    precedence: segments.map(precedenceOf),
  };
}

function matchParameter(parameter: RouteParameter, value: string, params: Record<string, string>): boolean {
  if (!parameter.constraints.every((c) => c.test(value))) return false;
  params[parameter.name] = value;
  return true;
}

function matchSegment(
  segment: CompiledSegment,
  value: string | undefined,
  params: Record<string, string>,
): boolean {
  const [only] = segment.parts;
  if (only === undefined) return value === '';
  if (segment.regex === undefined) {
    if (only.kind === 'literal')
      return value !== undefined && value.toLowerCase() === only.text.toLowerCase();
    if (value === undefined) {
      if (!only.parameter.optional) return false;
      if (only.parameter.defaultValue !== undefined)
        params[only.parameter.name] = only.parameter.defaultValue;
      return true;
    }
    return matchParameter(only.parameter, value, params);
  }
  if (value === undefined) return false;
  const m = segment.regex.exec(value);
  if (m === null) return false;
  return segment.parts.every((part, index) => {
    if (part.kind === 'literal') return true;
    const captured = m.groups?.[`p${index}`];
    if (captured === undefined) {
      if (part.parameter.defaultValue !== undefined)
        params[part.parameter.name] = part.parameter.defaultValue;
      return part.parameter.optional;
    }
    return matchParameter(part.parameter, captured, params);
  });
}

/** Matches decoded path segments (below the route prefix) against one route; returns the parameters or undefined. */
export function matchRoute<T>(
  route: CompiledRoute<T>,
  path: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const segments = route.segments;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as CompiledSegment;
    const [only] = segment.parts;
    if (segment.parts.length === 1 && only?.kind === 'parameter' && only.parameter.catchAll) {
      const rest = path.slice(i).join('/');
      if (rest === '') {
        if (only.parameter.defaultValue !== undefined)
          params[only.parameter.name] = only.parameter.defaultValue;
        return params;
      }
      return matchParameter(only.parameter, rest, params) ? params : undefined;
    }
    if (!matchSegment(segment, path[i], params)) return undefined;
  }
  return path.length <= segments.length ? params : undefined;
}

function comparePrecedence(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Splits a URL path into decoded segments; undefined when it holds an undecodable escape or an empty inner segment. */
export function pathSegments(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '');
  if (trimmed === '') return [];
  const raw = trimmed.split('/');
  try {
    const decoded = raw.map((s) => decodeURIComponent(s));
    return decoded.some((s) => s === '') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

export class RouteTable<T> {
  private readonly routes: CompiledRoute<T>[];

  constructor(routes: readonly CompiledRoute<T>[]) {
    this.routes = [...routes].sort((a, b) => comparePrecedence(a.precedence, b.precedence));
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
