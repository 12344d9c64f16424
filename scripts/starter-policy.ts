// `npm run policy:starter -- --tenant <guid> [--subscription <guid>] [--pls <name>] [--out <file>] [--force]`
// writes a starter approval policy from approval-policy.sample.yaml with the consumer's ids, checked
// by the product's policy loader. Default output: infra/provider/approval-policy.yaml, which
// infra/provider/main.bicepparam deploys as APPROVAL_POLICY.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatIssues, isAppError } from '../shared/errors';
import { findAppRoot } from '../shared/host/app-root';
import { starterPolicyText } from './starter-policy-text';

export const DEFAULT_OUT = 'infra/provider/approval-policy.yaml';
/** First line of the placeholder the repository ships; a file that starts so may be replaced. */
export const PLACEHOLDER_MARK = '# placeholder policy:';

const USAGE =
  'usage: npm run policy:starter -- --tenant <guid> [--tenant <guid>...] [--subscription <guid>...] ' +
  `[--pls <name>...] [--out <file>, default ${DEFAULT_OUT}] [--force]`;

function main(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tenant: { type: 'string', multiple: true, default: [] },
      subscription: { type: 'string', multiple: true, default: [] },
      pls: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: DEFAULT_OUT },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const root = findAppRoot(__dirname);
  const out = resolve(root, values.out);
  if (existsSync(out) && !values.force && !readFileSync(out, 'utf8').startsWith(PLACEHOLDER_MARK)) {
    console.error(
      `policy:starter: ${relative(root, out)} exists and is not the placeholder; add --force to replace it`,
    );
    return 1;
  }
  const text = starterPolicyText(readFileSync(join(root, 'approval-policy.sample.yaml'), 'utf8'), {
    tenants: values.tenant,
    subscriptions: values.subscription,
    privateLinkServices: values.pls,
    generatedAt: new Date(),
  });
  writeFileSync(out, text);
  console.log(`policy:starter: wrote ${relative(root, out)} (checked by the policy loader)`);
  console.log('next: review it, then deploy with APPROVAL_MODE=dry-run first (docs/deploy.md)');
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    const issues = isAppError(e) && e.issues.length > 0 ? `\n${formatIssues(e.issues)}` : '';
    console.error(`policy:starter: ${e instanceof Error ? e.message : String(e)}${issues}\n${USAGE}`);
    process.exitCode = 1;
  }
}
