/** Who decides: the policy, or a person (the manual approval API passes the authenticated principal). */
export type Actor =
  | { readonly kind: 'policy' }
  | {
      readonly kind: 'person';
      readonly name: string;
      readonly objectId: string;
      readonly tenantId: string | undefined;
    };

export const POLICY_ACTOR: Actor = { kind: 'policy' };

export function actorLabel(actor: Actor): string {
  return actor.kind === 'policy' ? 'policy' : `${actor.name} (${actor.objectId})`;
}
