import { z } from 'zod';
import { isPlsId, MAX_CONNECTION_NAME_LENGTH, NAME_PATTERNS } from '../../arm/resource-id';

/*
 * The names the API takes in URLs, checked before any ARM call so a typo or an injection attempt
 * costs no ARM request and gets a precise 400. The naming rules themselves (and their sources) are
 * in shared/arm/resource-id.ts.
 */

export const plsNameSchema = z
  .string()
  .regex(
    NAME_PATTERNS.privateLinkService,
    'expected a Private Link Service name (1-80 letters, digits, _ . -; starting with a letter or digit, ending with a letter, digit or _)',
  );

/** `{pls}` in a URL or query: the PLS name as configured, or its full resource id (URL-encoded in a path). */
export const plsReferenceSchema = z
  .string()
  .max(400, 'expected at most 400 characters')
  .refine(
    (value) => NAME_PATTERNS.privateLinkService.test(value) || isPlsId(value),
    'expected a Private Link Service name (1-80 letters, digits, _ . -) or its full resource id',
  );

export const connectionNameSchema = z
  .string()
  .max(MAX_CONNECTION_NAME_LENGTH, `expected at most ${MAX_CONNECTION_NAME_LENGTH} characters`)
  .regex(
    NAME_PATTERNS.plsConnection,
    'expected a private endpoint connection name ({endpoint}.{guid}: letters, digits, _ . -; starting with a letter or digit)',
  );

/** A `{pls}` reference in the id form (else it is a name); whether it is a valid id is the schema's job. */
export function isIdReference(reference: string): boolean {
  return reference.startsWith('/');
}
