// Pure part of `npm run policy:starter`: the sample policy, rewritten for one provider's consumers.
// No I/O, so the test drives it with the real sample text.
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { parsePolicy } from '../shared/approval/adapters/policy-loader';

export interface StarterOptions {
  /** Consumer tenants whose requests (with a ticket) are approved. */
  readonly tenants: readonly string[];
  /** Consumer subscriptions those requests must come from; empty: any subscription of those tenants. */
  readonly subscriptions: readonly string[];
  /** Private Link Service names the approve rule is limited to; empty: every managed PLS. */
  readonly privateLinkServices: readonly string[];
  /** Written into the header, so the file says where it came from. */
  readonly generatedAt: Date;
}

/** The rule of the sample that approves trusted consumers; the starter fills it with the user's ids. */
export const APPROVE_RULE = 'trusted-tenant';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function starterProblems(options: StarterOptions): string[] {
  const problems: string[] = [];
  if (options.tenants.length === 0) problems.push('at least one --tenant <guid> is required');
  for (const t of options.tenants) if (!GUID.test(t)) problems.push(`--tenant ${t} is not a GUID`);
  for (const s of options.subscriptions)
    if (!GUID.test(s)) problems.push(`--subscription ${s} is not a GUID`);
  return problems;
}

/**
 * The sample with its approve rule limited to the given tenants (and subscriptions, and PLS names),
 * every other rule and comment kept, checked with the product's own policy loader. Throws the
 * loader's listed-problems error when the result would not load.
 */
export function starterPolicyText(sampleText: string, options: StarterOptions): string {
  const problems = starterProblems(options);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const doc = parseDocument(sampleText);
  const rules = doc.get('rules');
  if (!isSeq(rules)) throw new Error('the sample has no rules list');
  const rule = rules.items.find((r): r is YAMLMap => isMap(r) && r.get('name') === APPROVE_RULE);
  if (rule === undefined) throw new Error(`the sample has no rule named ${APPROVE_RULE}`);
  const match = rule.get('match');
  if (!isMap(match)) throw new Error(`rule ${APPROVE_RULE} has no match block`);
  match.set('consumerTenants', doc.createNode([...options.tenants]));
  if (options.subscriptions.length > 0)
    match.set('consumerSubscriptions', doc.createNode([...options.subscriptions]));
  else match.delete('consumerSubscriptions');
  if (options.privateLinkServices.length > 0) {
    match.set('privateLinkService', doc.createNode([...options.privateLinkServices]));
  } else {
    match.delete('privateLinkService');
  }
  rule.commentBefore =
    ' Your consumers (written by npm run policy:starter), with a ticket: approved at once, at most 20\n' +
    ' approved connections per consumer subscription on each Private Link Service.';
  doc.commentBefore =
    ` Approval policy written by \`npm run policy:starter\` on ${options.generatedAt.toISOString().slice(0, 10)}\n` +
    ' from approval-policy.sample.yaml (docs/approval.md#the-policy-file has every field). Deployed as the\n' +
    ' APPROVAL_POLICY app setting by infra/provider/main.bicepparam. Start with APPROVAL_MODE=dry-run.';
  const text = doc.toString({ lineWidth: 0 });
  parsePolicy(text, 'starter policy');
  return text;
}
