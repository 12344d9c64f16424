/**
 * Response bodies read through the schema the product exports for them, so a test sees the shape
 * the route really returns (a drift between route and schema fails the test with the zod issues)
 * instead of trusting a cast.
 */
import type { HttpResponseInit } from '@azure/functions';
import { expect } from 'vitest';
import { prettifyError, type z } from 'zod';

/** A response already read by a test harness: its JSON body (or raw text when it was not JSON). */
export interface ReadResponse {
  readonly body: unknown;
  readonly text: string;
}

type AnyResponse = Response | HttpResponseInit | ReadResponse;

/** The JSON body of a fetch `Response`, a Functions `HttpResponseInit` or a harness response. */
async function jsonOf(response: AnyResponse): Promise<unknown> {
  if (response instanceof Response) {
    const text = await response.text();
    return text === '' ? undefined : JSON.parse(text);
  }
  if ('text' in response && typeof response.text === 'string') return response.body;
  return (response as HttpResponseInit).jsonBody;
}

/** The value parsed by `schema`; fails the test naming each issue when it does not fit. */
export function parseJson<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    expect.fail(
      `The body does not match its schema:\n${prettifyError(result.error)}\n${JSON.stringify(value)}`,
    );
  }
  return result.data;
}

/** The response's JSON body parsed by `schema`; fails the test naming each issue when it does not fit. */
export async function parseBody<S extends z.ZodType>(schema: S, response: AnyResponse): Promise<z.output<S>> {
  return parseJson(schema, await jsonOf(response));
}
