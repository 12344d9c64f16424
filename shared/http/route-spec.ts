import type { z } from 'zod';

/**
 * What an HTTP function declares about its route besides the host's registration: who may call it,
 * the schemas that parse its input and describe its answers, and the OpenAPI words. It sits in the
 * function's own definition (functions/*.ts); the OpenAPI document and every test that walks the
 * API are derived from those definitions, so a route is never described twice.
 */
export type Access = 'anonymous' | 'functionKey' | 'read' | 'approve';

export interface ResponseSpec {
  readonly status: number;
  readonly description: string;
  readonly schema: z.ZodType;
  /** Media types of the body; `application/json` when omitted. */
  readonly contentTypes?: readonly string[];
}

/** The API description of one HTTP function (its definition's `api`). */
export interface RouteApi {
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: { readonly schema: z.ZodType; readonly required: boolean };
  readonly success: ResponseSpec;
  /** Other non-problem answers (health answers 503 with its report). */
  readonly alternatives?: readonly ResponseSpec[];
  /** Error statuses this route can answer (problem+json), besides the ones every protected route has. */
  readonly errors: readonly number[];
}

/** One operation of the OpenAPI document: a function's registration and its `api`, flattened. */
export interface RouteSpec extends RouteApi {
  /** The function name (functions/{operationId}.ts), also the OpenAPI operationId. */
  readonly operationId: string;
  readonly method: 'get' | 'post';
  /** Route template under /api, as registered. */
  readonly route: string;
  readonly access: Access;
}

/** The route spec of an HTTP function definition: nothing in it is written anywhere else. */
export function routeSpecOf(definition: {
  readonly name: string;
  readonly options: { readonly route: string; readonly methods: readonly string[] };
  readonly access: Access;
  readonly api: RouteApi;
}): RouteSpec {
  const [method, ...more] = definition.options.methods.map((m) => m.toLowerCase());
  if ((method !== 'get' && method !== 'post') || more.length > 0)
    throw new Error(
      `${definition.name}: one GET or POST per HTTP function, got ${definition.options.methods}`,
    );
  return {
    ...definition.api,
    operationId: definition.name,
    method,
    route: definition.options.route,
    access: definition.access,
  };
}
