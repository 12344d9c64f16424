/*
 * zod schemas for ARM resource ids at the edges (config documents, API bodies, policy files, probe
 * targets, emulator seeds): the rules and messages of resource-id.ts, nothing of their own. Kept
 * apart from resource-id.ts because that module is loaded at cold start, where zod is not.
 */
import { z } from 'zod';
import { expectedResourceId, isResourceId, RESOURCE_ID_PATTERNS, type ResourceIdKind } from './resource-id';

/** A string that is an id of `kind` (kept as given); `.regex` so JSON Schema / OpenAPI show the pattern. */
export function resourceIdSchema(kind: ResourceIdKind, message: string = expectedResourceId(kind)) {
  return z.string().regex(RESOURCE_ID_PATTERNS[kind], message);
}

/** An id of any of `kinds`, e.g. a probe target's `dependsOn` (a private endpoint or a PLS connection). */
export function resourceIdOfKindsSchema(kinds: readonly ResourceIdKind[], message: string) {
  return z.string().refine((id) => kinds.some((kind) => isResourceId(kind, id)), message);
}

export const plsIdSchema = resourceIdSchema('privateLinkService');
export const privateEndpointIdSchema = resourceIdSchema('privateEndpoint');
