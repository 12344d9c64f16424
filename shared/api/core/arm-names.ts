import { z } from 'zod';

/**
 * ARM's naming rules for the names the API takes in URLs, checked before any ARM call so a typo or
 * an injection attempt costs no ARM request and gets a precise 400.
 *
 * - Private Link Service (Microsoft.Network/privateLinkServices): 1-80 characters, alphanumerics,
 *   underscores, periods and hyphens; starts with an alphanumeric, ends with an alphanumeric or underscore.
 * - Private endpoint connection: the naming-rules table has no row for it; ARM names it
 *   `{private endpoint name}.{guid}`. A private endpoint name is 2-64 characters of the same class,
 *   so a connection name is the same class and at most 64 + 1 + 36 = 101 characters.
 */
export const PLS_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
export const CONNECTION_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,99}[A-Za-z0-9_])?$/;
export const MAX_CONNECTION_NAME_LENGTH = 101;

const PLS_ID_PATTERN =
  /^\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/privateLinkServices\/[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/i;

export const plsNameSchema = z
  .string()
  .regex(
    PLS_NAME_PATTERN,
    'expected a Private Link Service name (1-80 letters, digits, _ . -; starting with a letter or digit, ending with a letter, digit or _)',
  );

export const plsIdSchema = z
  .string()
  .regex(
    PLS_ID_PATTERN,
    'expected a Private Link Service resource id (/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/privateLinkServices/{name})',
  );

/** `{pls}` in a URL or query: the PLS name as configured, or its full resource id (URL-encoded in a path). */
export const plsReferenceSchema = z
  .string()
  .max(400, 'expected at most 400 characters')
  .refine(
    (value) => PLS_NAME_PATTERN.test(value) || PLS_ID_PATTERN.test(value),
    'expected a Private Link Service name (1-80 letters, digits, _ . -) or its full resource id',
  );

export const connectionNameSchema = z
  .string()
  .max(MAX_CONNECTION_NAME_LENGTH, `expected at most ${MAX_CONNECTION_NAME_LENGTH} characters`)
  .regex(
    CONNECTION_NAME_PATTERN,
    'expected a private endpoint connection name ({endpoint}.{guid}: letters, digits, _ . -; starting with a letter or digit)',
  );

export function isPlsId(reference: string): boolean {
  return reference.startsWith('/');
}
