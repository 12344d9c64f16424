/*
 * The reported attack on POST /api/policy/evaluate (issue 22, item 1): a reader's draft of as many
 * rules like `\pL{1,N}[0-9]` as fit in the 16 KiB body, N fresh on every request (so no compile
 * cache helps), against a hypothetical connection with a 140-character message. Before the draft
 * limits it held the event loop for 3.4-9.7 s per request. Shared by the test and the bench.
 */
import { MAX_BODY_BYTES } from '../../shared/http/body-limits';

/** 140 characters (ARM's limit), letters but no letter followed by a digit: every rule fails, so every rule runs. */
export const ATTACK_MESSAGE =
  'Please approve this private endpoint for the ERP rollout, ticket pending, thanks a lot from the platform team at Contoso Ltd. (third wave)!!';

let sequence = 0;

/** A fresh N on every call, 200..999, cycling through all 800 before one repeats. */
function freshBound(): number {
  sequence++;
  return 200 + ((sequence * 7919) % 800);
}

/** The reviewer's shape: rules until the JSON body reaches MAX_BODY_BYTES. */
export function attackBody(pls: string, privateEndpointId: string): Record<string, unknown> {
  const rules: string[] = [];
  const body = (): Record<string, unknown> => ({
    policy: `version: 1\ndefault: { action: manual }\nrules:\n${rules.join('')}`,
    connection: { pls, privateEndpointId, requestMessage: ATTACK_MESSAGE },
  });
  for (;;) {
    const rule = `  - { name: r${rules.length}, action: approve, match: { requestMessage: '\\pL{1,${freshBound()}}[0-9]' } }\n`;
    rules.push(rule);
    if (Buffer.byteLength(JSON.stringify(body())) > MAX_BODY_BYTES) {
      rules.pop();
      return body();
    }
  }
}

/**
 * The costliest draft the limits accept in the same style: five rules whose patterns expand to just
 * under the per-pattern size, together just under the draft's total (DRAFT_LIMITS), fresh enough
 * (bound and digit class) that the compile cache rarely helps.
 */
export function heaviestAcceptedBody(pls: string, privateEndpointId: string): Record<string, unknown> {
  const rules = Array.from(
    { length: 5 },
    (_, i) =>
      `  - { name: r${i}, action: approve, match: { requestMessage: '\\pL{1,${900 + (freshBound() % 98)}}[0-${1 + (freshBound() % 9)}]' } }\n`,
  );
  return {
    policy: `version: 1\ndefault: { action: manual }\nrules:\n${rules.join('')}`,
    connection: { pls, privateEndpointId, requestMessage: ATTACK_MESSAGE },
  };
}
